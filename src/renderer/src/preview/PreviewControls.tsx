import { useId, useState, type FormEvent } from 'react';
import { targetProfiles, type ProfileId } from '../../../shared/media/profiles';
import { useApi } from '../api/ApiContext';
import { MoonIcon, SunIcon } from '../ui/icons';
import { deviceLabel } from './PhoneFrame';
import { allContacts, previewSettings, setPreview, usePreviewSettings, type Device } from './previewSettings';
import type { SampleContact } from './sampleContacts';

/** Which sample contact the preview is personalised for; switching re-renders every preview. */
export function ContactPicker({ canLookUp = false }: { canLookUp?: boolean }) {
  const id = useId();
  const contactId = usePreviewSettings((s) => s.contactId);
  const lookedUp = usePreviewSettings((s) => s.lookedUp);
  const contacts = allContacts({ ...previewSettings.getState(), lookedUp });
  const current = contacts.find((c) => c.id === contactId);
  return (
    <div className="preview-control contact-picker">
      <label htmlFor={id}>Sample contact</label>
      <select id={id} className="input select" value={contactId} onChange={(event) => setPreview({ contactId: event.target.value })}>
        {contacts.map((contact) => (
          <option key={contact.id} value={contact.id}>
            {contact.name}
          </option>
        ))}
      </select>
      {current ? <span className="preview-control-hint">{current.description}</span> : null}
      {canLookUp ? <ContactLookup /> : null}
    </div>
  );
}

/** Preview with an imported contact's real attributes (found by phone through the engine). */
function ContactLookup() {
  const api = useApi();
  const id = useId();
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!phone.trim()) return;
    setIsBusy(true);
    setError(null);
    const result = await api.call('contacts.timeline', { phone: phone.trim() });
    setIsBusy(false);
    if (!result.ok) {
      setError(result.error.code === 'NOT_FOUND' ? 'No contact has this phone number.' : result.error.message);
      return;
    }
    const { contact } = result.value;
    const attributes = Object.fromEntries(Object.entries(contact.attributes).map(([key, value]) => [key, value === null || value === undefined ? '' : String(value)]));
    const found: SampleContact = {
      id: `contact:${contact.id}`,
      name: [attributes.first_name, attributes.last_name].filter(Boolean).join(' ') || contact.phone,
      description: `Imported contact ${contact.phone}`,
      phone: contact.phone,
      attributes,
    };
    const others = previewSettings.getState().lookedUp.filter((c) => c.id !== found.id);
    setPreview({ lookedUp: [...others, found], contactId: found.id });
    setPhone('');
  };
  return (
    <form className="contact-lookup" onSubmit={(event) => void submit(event)}>
      <label htmlFor={id} className="visually-hidden">
        Find an imported contact by phone
      </label>
      <input id={id} className="input" placeholder="Or a contact’s phone, e.g. +14155550100" value={phone} onChange={(e) => setPhone(e.target.value)} />
      <button type="submit" className="button" disabled={isBusy || !phone.trim()}>
        Use
      </button>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

export function DeviceToggle() {
  const device = usePreviewSettings((s) => s.device);
  return (
    <div className="segmented" role="group" aria-label="Phone">
      {(['iphone', 'android'] as Device[]).map((value) => (
        <button key={value} type="button" aria-pressed={device === value} onClick={() => setPreview({ device: value })}>
          {deviceLabel[value]}
        </button>
      ))}
    </div>
  );
}

export function AppearanceToggle() {
  const appearance = usePreviewSettings((s) => s.appearance);
  const isDark = appearance === 'dark';
  return (
    <button
      type="button"
      className="icon-button"
      aria-pressed={isDark}
      aria-label="Dark mode on the phones"
      title={isDark ? 'Phones in dark mode' : 'Phones in light mode'}
      onClick={() => setPreview({ appearance: isDark ? 'light' : 'dark' })}
    >
      {isDark ? <MoonIcon /> : <SunIcon />}
    </button>
  );
}

export function ProfilePicker() {
  const id = useId();
  const profileId = usePreviewSettings((s) => s.profileId);
  return (
    <div className="preview-control">
      <label htmlFor={id}>Send profile</label>
      <select id={id} className="input select" value={profileId} onChange={(event) => setPreview({ profileId: event.target.value as ProfileId })}>
        {targetProfiles
          .filter((profile) => profile.channel === 'mms')
          .map((profile) => (
            <option key={profile.id} value={profile.id}>
              {profile.label} · {Math.round(profile.limitBytes / 1000)} KB
            </option>
          ))}
      </select>
    </div>
  );
}
