import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { mediaHostingSecretFields, secretFieldLabels, type ConnectionTestResult, type MediaHostingGetResult } from '../../../shared/api/accounts';
import { useApi } from '../api/ApiContext';
import { refusalInFormWords } from '../ui/refusal';
import { Field, SecretField, settingsFieldLabel, StoreNote } from './fields';

interface FormState {
  endpoint: string;
  region: string;
  bucket: string;
  publicBaseUrl: string;
  presignHours: string;
  secrets: Record<string, string>;
}

const hostingFieldLabel = settingsFieldLabel({
  endpoint: 'Endpoint',
  region: 'Region',
  bucket: 'Bucket',
  publicBaseUrl: 'Public base URL',
  presignHours: 'Presigned URLs last (hours)',
});

/** Settings → Media hosting: the S3-compatible bucket MMS media is uploaded to for providers to fetch. */
export function MediaHosting() {
  const api = useApi();
  const [current, setCurrent] = useState<MediaHostingGetResult | null>(null);
  const [form, setForm] = useState<FormState>({ endpoint: '', region: 'us-east-1', bucket: '', publicBaseUrl: '', presignHours: '24', secrets: {} });
  const [message, setMessage] = useState<(ConnectionTestResult & { isPending?: boolean }) | null>(null);
  const set = (patch: Partial<FormState>) => setForm((state) => ({ ...state, ...patch }));

  const [version, setVersion] = useState(0);
  const load = useCallback(async () => setVersion((v) => v + 1), []);
  useEffect(() => {
    let isCurrent = true;
    void api.call('hosting.get', {}).then((result) => {
      if (!isCurrent || !result.ok) return;
      setCurrent(result.value);
      const settings = result.value.settings;
      if (!settings) return;
      setForm({
        endpoint: settings.endpoint,
        region: settings.region,
        bucket: settings.bucket,
        publicBaseUrl: settings.publicBaseUrl ?? '',
        presignHours: String(settings.presignHours),
        secrets: {},
      });
    });
    return () => {
      isCurrent = false;
    };
  }, [api, version]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage({ isOk: true, isPending: true, message: 'Saving and checking the bucket…', code: null });
    const saved = await api.call('hosting.set', {
      endpoint: form.endpoint.trim(),
      region: form.region.trim(),
      bucket: form.bucket.trim(),
      publicBaseUrl: form.publicBaseUrl.trim() === '' ? null : form.publicBaseUrl.trim(),
      presignHours: Number(form.presignHours),
      secrets: Object.fromEntries(Object.entries(form.secrets).filter(([, value]) => value.trim() !== '')),
    });
    if (!saved.ok) {
      setMessage({ isOk: false, message: refusalInFormWords(saved.error, hostingFieldLabel), code: saved.error.code });
      return;
    }
    await load();
    const tested = await api.call('hosting.test', {});
    setMessage(tested.ok ? tested.value : { isOk: false, message: tested.error.message, code: tested.error.code });
  };

  return (
    <section className="settings-section" aria-labelledby="media-hosting-title">
      <header className="settings-section-header">
        <div>
          <h2 id="media-hosting-title" className="panel-title">
            Media hosting
          </h2>
          <p className="field-hint">
            Providers fetch MMS images from a public URL, so Postcard uploads each flow’s images to your S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2,
            MinIO…) when you publish, once per image.
          </p>
        </div>
      </header>
      {current ? <StoreNote store={current.secretStore} /> : null}
      <form className="settings-form" onSubmit={(event) => void save(event)} aria-label="Media hosting">
        <Field label="Endpoint" value={form.endpoint} onChange={(endpoint) => set({ endpoint })} maxLength={500} placeholder="e.g. https://s3.us-east-1.amazonaws.com" />
        <div className="field-row">
          <Field label="Region" value={form.region} onChange={(region) => set({ region })} maxLength={64} />
          <Field label="Bucket" value={form.bucket} onChange={(bucket) => set({ bucket })} maxLength={63} />
        </div>
        {mediaHostingSecretFields.map((field) => (
          <SecretField
            key={field}
            label={secretFieldLabels[field]}
            value={form.secrets[field] ?? ''}
            status={current?.settings?.secrets.find((secret) => secret.field === field)}
            onChange={(value) => set({ secrets: { ...form.secrets, [field]: value } })}
          />
        ))}
        <Field
          label="Public base URL (optional)"
          value={form.publicBaseUrl}
          onChange={(publicBaseUrl) => set({ publicBaseUrl })}
          maxLength={500}
          placeholder="e.g. https://media.example.com"
          hint="When the bucket (or its prefix) is public-read. Without it, providers get presigned URLs."
        />
        <Field
          label="Presigned URLs last (hours)"
          value={form.presignHours}
          onChange={(presignHours) => set({ presignHours })}
          maxLength={6}
          inputMode="decimal"
          hint="Longer than the provider’s retries; at most 168."
        />
        <div className="row-actions">
          <button type="submit" className="button button-primary">
            Save and test
          </button>
        </div>
        {message ? (
          <p role="status" className={message.isOk ? 'callout' : 'callout callout-error'} data-testid="hosting-result">
            {message.message}
          </p>
        ) : null}
      </form>
    </section>
  );
}
