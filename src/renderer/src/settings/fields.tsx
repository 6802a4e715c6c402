import type { ReactNode } from 'react';
import { TextField } from '../editor/inspector/fields';
import { secretFieldLabels, type SecretStatus, type SecretStoreInfo } from '../../../shared/api/accounts';

/** The inspector's labelled text input serves the settings forms too. */
export { TextField as Field } from '../editor/inspector/fields';

/** "set ••••1234", "set (from POSTCARD_TWILIO_AUTH_TOKEN)" or "not set": never the value, which the page never has. */
export function secretSummary(status: SecretStatus): string {
  if (!status.isSet) return `not set (enter it, or set ${status.envName})`;
  const tail = status.last4 ? ` ••••${status.last4}` : '';
  return status.source === 'environment' ? `set${tail} (from ${status.envName})` : `set${tail}`;
}

/** A credential input: write-only. Blank keeps what is stored. */
export function SecretField({ label, value, status, onChange }: { label: string; value: string; status: SecretStatus | undefined; onChange: (value: string) => void }) {
  return (
    <TextField
      label={label}
      value={value}
      maxLength={512}
      isSecret
      placeholder={status?.isSet ? `${secretSummary(status)} — leave blank to keep` : ''}
      onChange={onChange}
    />
  );
}

/** Says where credentials are kept when it matters: a host with no keychain forgets typed ones on restart. */
export function StoreNote({ store }: { store: SecretStoreInfo }) {
  return <p className={store.isPersistent ? 'field-hint' : 'callout'}>{store.description}</p>;
}

/**
 * Names a field of a settings form by its label, for refusalInFormWords: `labels` by the field's
 * key; a credential under `secrets` by its own name ("Auth Token").
 */
export function settingsFieldLabel(labels: Readonly<Record<string, string>>): (path: readonly string[]) => string | undefined {
  return ([field, secret]) => {
    if (field === 'secrets' && secret && secret in secretFieldLabels) return secretFieldLabels[secret as keyof typeof secretFieldLabels];
    return field ? labels[field] : undefined;
  };
}

/** A section of the settings page: its title and what it is for, its Add button at the right (null while a form is open), then its content. */
export function SettingsSection({
  id,
  title,
  hint,
  add,
  children,
}: {
  id: string;
  title: string;
  hint: ReactNode;
  add?: { label: string; onClick: () => void } | null;
  children: ReactNode;
}) {
  return (
    <section className="settings-section" aria-labelledby={id}>
      <header className="settings-section-header">
        <div>
          <h2 id={id} className="panel-title">
            {title}
          </h2>
          <p className="field-hint">{hint}</p>
        </div>
        {add ? (
          <button type="button" className="button button-primary" onClick={add.onClick}>
            {add.label}
          </button>
        ) : null}
      </header>
      {children}
    </section>
  );
}
