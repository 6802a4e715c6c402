import { useId, useState, type FormEvent } from 'react';
import type { ContactSummary } from '../../../shared/api/engine';
import type { ProfileId } from '../../../shared/media/profiles';
import { useApi } from '../api/ApiContext';
import { useFlowActions, useFlowStore } from '../editor/store/FlowEditorContext';
import { sendProfileOptions } from '../media/sendProfiles';
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

/** Preview with imported contacts' real attributes, found by phone digits or attribute text. */
function ContactLookup() {
  const api = useApi();
  const id = useId();
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!query.trim()) return;
    setIsBusy(true);
    setError(null);
    const result = await api.call('contacts.search', { query: query.trim(), limit: 10 });
    setIsBusy(false);
    if (!result.ok) return setError(result.error.message);
    if (result.value.contacts.length === 0) return setError('No imported contact matches.');
    const found = result.value.contacts.map(asPreviewContact);
    const ids = new Set(found.map((c) => c.id));
    const others = previewSettings.getState().lookedUp.filter((c) => !ids.has(c.id));
    setPreview({ lookedUp: [...others, ...found], contactId: found[0]?.id ?? previewSettings.getState().contactId });
    setQuery('');
  };
  return (
    <form className="contact-lookup" onSubmit={(event) => void submit(event)}>
      <label htmlFor={id} className="visually-hidden">
        Find an imported contact
      </label>
      <input id={id} className="input" placeholder="Find an imported contact" value={query} onChange={(e) => setQuery(e.target.value)} />
      <button type="submit" className="button" disabled={isBusy || !query.trim()}>
        Find
      </button>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

export function asPreviewContact(contact: ContactSummary): SampleContact {
  const attributes = Object.fromEntries(
    Object.entries(contact.attributes).map(([key, value]) => [key, value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)]),
  );
  return {
    id: `contact:${contact.id}`,
    name: [attributes.first_name, attributes.last_name].filter(Boolean).join(' ') || contact.phone,
    description: `Imported contact ${contact.phone}`,
    phone: contact.phone,
    attributes,
  };
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

/** The flow's send profile (a flow setting, so publishing sizes media for it too); undoable like any edit. */
export function ProfilePicker() {
  const id = useId();
  const profileId = useFlowStore((s) => s.settings.sendProfileId);
  const actions = useFlowActions();
  return (
    <div className="preview-control">
      <label htmlFor={id}>Send profile</label>
      <select
        id={id}
        className="input select"
        value={profileId}
        onChange={(event) => actions.updateSettings((s) => ({ ...s, sendProfileId: event.target.value as ProfileId }))}
      >
        {sendProfileOptions().map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
