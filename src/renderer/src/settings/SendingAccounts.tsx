import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import {
  isOptionalSecretField,
  providerIds,
  providerLabels,
  providerSecretFields,
  secretFieldLabels,
  senderKindLabels,
  providerSenderKinds,
  type AccountSendingStatus,
  type AccountsListResult,
  type ConnectionTestResult,
  type ProviderId,
  type SendingAccount,
} from '../../../shared/api/accounts';
import type { ApiError } from '../../../shared/api/result';
import { channels as allChannels, type Channel } from '../../../shared/engine/types';
import { useApi } from '../api/ApiContext';
import { Field, SecretField, secretSummary, SettingsSection, settingsFieldLabel, StoreNote } from './fields';
import { refusalInFormWords } from '../ui/refusal';
import { TestSendForm } from './TestSendForm';
import { heldReason, isHeld, useSendingStates } from './useSendingStates';

type Editing = { mode: 'add' } | { mode: 'edit'; account: SendingAccount } | null;

/** Settings → Sending accounts: add, edit, remove, test the connection, send a test. */
export function SendingAccounts() {
  const api = useApi();
  const [list, setList] = useState<AccountsListResult | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const sendingStates = useSendingStates();

  const [version, setVersion] = useState(0);
  const reload = useCallback(async () => setVersion((v) => v + 1), []);
  useEffect(() => {
    let isCurrent = true;
    void api.call('accounts.list', {}).then((result) => {
      if (!isCurrent) return;
      if (result.ok) setList(result.value);
      else setError(result.error);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, version]);

  return (
    <SettingsSection
      id="sending-accounts-title"
      title="Sending accounts"
      hint="Twilio, Vonage or Telnyx accounts that send your flows. New flows send through the built-in simulator until you pick one in the flow’s settings."
      add={editing === null ? { label: 'Add account', onClick: () => setEditing({ mode: 'add' }) } : null}
    >
      {list ? <StoreNote store={list.secretStore} /> : null}
      {error ? <p className="callout callout-error">{error.message}</p> : null}
      {editing ? (
        <AccountForm
          editing={editing}
          onDone={async () => {
            setEditing(null);
            await reload();
          }}
        />
      ) : null}
      {list && list.accounts.length === 0 && editing === null ? <p className="muted">No sending accounts yet.</p> : null}
      <ul className="account-list">
        {list?.accounts.map((account) => (
          <AccountCard key={account.id} account={account} sending={sendingStates.get(account.id)} onEdit={() => setEditing({ mode: 'edit', account })} onRemoved={reload} />
        ))}
      </ul>
    </SettingsSection>
  );
}

/** One line on where the account's sending stands, in the engine's words. */
function SendingStateLine({ status }: { status: AccountSendingStatus | undefined }) {
  if (isHeld(status)) {
    const { reason, resumesAt } = heldReason(status);
    return (
      <p className="sending-state is-held" role="status" data-testid="sending-state">
        <strong>{status.kind.startsWith('paused') ? 'Sending paused' : 'Held back'}:</strong> {reason}
        {resumesAt ? `; trying again at ${resumesAt}` : ''}.
      </p>
    );
  }
  return (
    <p className="sending-state" role="status" data-testid="sending-state">
      {status?.kind === 'ok' ? 'Sending normally.' : 'Nothing sent through it yet since Postcard started.'}
    </p>
  );
}

function AccountCard({ account, sending, onEdit, onRemoved }: { account: SendingAccount; sending: AccountSendingStatus | undefined; onEdit: () => void; onRemoved: () => Promise<void> }) {
  const api = useApi();
  const [test, setTest] = useState<ConnectionTestResult | { isOk: null; message: string } | null>(null);
  const [removal, setRemoval] = useState<string | null>(null);
  const [isSending, setIsSending] = useState(false);

  const testConnection = async () => {
    setTest({ isOk: null, message: `Asking ${providerLabels[account.provider]}…` });
    const result = await api.call('accounts.test', { id: account.id });
    setTest(result.ok ? result.value : { isOk: false, message: result.error.message, code: result.error.code });
  };
  const remove = async () => {
    if (!window.confirm(`Remove the sending account "${account.name}" and its stored credentials?`)) return;
    const result = await api.call('accounts.remove', { id: account.id });
    if (!result.ok) setRemoval(result.error.message);
    else await onRemoved();
  };

  return (
    <li className="account-card" aria-label={account.name}>
      <div className="account-card-main">
        <h3 className="account-name">{account.name}</h3>
        <p className="account-facts">
          {providerLabels[account.provider]} · {senderKindLabels[account.senderKind]} {account.sender} · {account.channels.map((c) => c.toUpperCase()).join(' + ')} ·{' '}
          {account.messagesPerSecond} msg/s{account.dailyCap !== null ? ` · at most ${account.dailyCap} a day` : ''}
          {account.baseUrl ? ` · via ${account.baseUrl}` : ''}
        </p>
        <SendingStateLine status={sending} />
        <ul className="account-secrets">
          {account.secrets.map((secret) => (
            <li key={secret.field}>
              {secret.label}: {secretSummary(secret)}
            </li>
          ))}
        </ul>
      </div>
      <div className="row-actions">
        <button type="button" className="button" onClick={() => void testConnection()}>
          Test connection
        </button>
        <button type="button" className="button" onClick={() => setIsSending((v) => !v)} aria-expanded={isSending}>
          Send a test
        </button>
        <button type="button" className="button" onClick={onEdit}>
          Edit
        </button>
        <button type="button" className="button" onClick={() => void remove()}>
          Remove
        </button>
      </div>
      {test ? (
        <p role="status" className={test.isOk === false ? 'callout callout-error' : 'callout'} data-testid="connection-result">
          {test.message}
        </p>
      ) : null}
      {removal ? <p className="callout callout-error">{removal}</p> : null}
      {isSending ? <TestSendForm account={account} /> : null}
    </li>
  );
}

/** Where the optional webhook credential is found, and what it is for. */
const webhookSecretHints: Record<ProviderId, string> = {
  twilio: '',
  vonage:
    'From the Vonage dashboard (API settings → Signature secret). With it, Postcard accepts the delivery receipts and replies Vonage sends to its webhook address; without it, it refuses them as unsigned.',
  telnyx:
    'From the Telnyx portal (Keys & Credentials → Public Key). With it, Postcard accepts the delivery receipts and replies Telnyx sends to its webhook address; without it, it refuses them as unsigned.',
};

interface FormState {
  provider: ProviderId;
  name: string;
  sender: string;
  channels: Channel[];
  messagesPerSecond: string;
  dailyCap: string;
  baseUrl: string;
  secrets: Record<string, string>;
}

const accountFieldLabel = settingsFieldLabel({
  name: 'Name',
  sender: 'Sender',
  channels: 'Channels',
  messagesPerSecond: 'Messages per second',
  dailyCap: 'Daily cap',
  baseUrl: 'Base URL',
});

function AccountForm({ editing, onDone }: { editing: Exclude<Editing, null>; onDone: () => Promise<void> }) {
  const api = useApi();
  const account = editing.mode === 'edit' ? editing.account : null;
  const [form, setForm] = useState<FormState>(() => ({
    provider: account?.provider ?? 'twilio',
    name: account?.name ?? '',
    sender: account?.sender ?? '',
    channels: account?.channels ?? ['sms', 'mms'],
    messagesPerSecond: String(account?.messagesPerSecond ?? 1),
    dailyCap: account?.dailyCap === null || account === null ? '' : String(account.dailyCap),
    baseUrl: account?.baseUrl ?? '',
    secrets: {},
  }));
  const [error, setError] = useState<string | null>(null);
  const providerId = useId();
  const set = (patch: Partial<FormState>) => setForm((current) => ({ ...current, ...patch }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const secrets = Object.fromEntries(Object.entries(form.secrets).filter(([, value]) => value.trim() !== ''));
    const fields = {
      name: form.name,
      sender: form.sender.trim(),
      channels: form.channels,
      messagesPerSecond: Number(form.messagesPerSecond),
      dailyCap: form.dailyCap.trim() === '' ? null : Number(form.dailyCap),
      baseUrl: form.baseUrl.trim() === '' ? null : form.baseUrl.trim(),
      secrets,
    };
    const result = account ? await api.call('accounts.update', { id: account.id, ...fields }) : await api.call('accounts.add', { provider: form.provider, ...fields });
    if (!result.ok) setError(refusalInFormWords(result.error, accountFieldLabel));
    else await onDone();
  };

  return (
    <form className="settings-form" onSubmit={(event) => void submit(event)} aria-label={account ? `Edit ${account.name}` : 'Add a sending account'}>
      <div className="field-row">
        <div className="field">
          <label htmlFor={providerId}>Provider</label>
          <select id={providerId} className="input select" value={form.provider} disabled={account !== null} onChange={(event) => set({ provider: event.target.value as ProviderId, secrets: {} })}>
            {providerIds.map((id) => (
              <option key={id} value={id}>
                {providerLabels[id]}
              </option>
            ))}
          </select>
        </div>
        <Field label="Name" value={form.name} onChange={(name) => set({ name })} maxLength={60} placeholder="e.g. Main store" />
      </div>
      <Field
        label="Sender"
        value={form.sender}
        onChange={(sender) => set({ sender })}
        maxLength={64}
        placeholder="e.g. +14155550100"
        hint={`${providerSenderKinds[form.provider].map((kind) => senderKindLabels[kind]).join(', ')}.`}
      />
      {providerSecretFields[form.provider].map((field) => {
        const status = account?.secrets.find((secret) => secret.field === field);
        const props = {
          label: isOptionalSecretField(field) ? `${secretFieldLabels[field]} (optional)` : secretFieldLabels[field],
          value: form.secrets[field] ?? '',
          status,
          onChange: (value: string) => set({ secrets: { ...form.secrets, [field]: value } }),
        };
        if (!isOptionalSecretField(field)) return <SecretField key={field} {...props} />;
        return (
          <div key={field}>
            <SecretField {...props} />
            <p className="field-hint">{webhookSecretHints[form.provider]}</p>
          </div>
        );
      })}
      <fieldset className="field">
        <legend>Channels</legend>
        {allChannels.map((channel) => (
          <label key={channel} className="checkbox">
            <input
              type="checkbox"
              checked={form.channels.includes(channel)}
              onChange={(event) => set({ channels: event.target.checked ? [...form.channels, channel] : form.channels.filter((c) => c !== channel) })}
            />{' '}
            {channel.toUpperCase()}
          </label>
        ))}
      </fieldset>
      <div className="field-row">
        <Field label="Messages per second" value={form.messagesPerSecond} onChange={(messagesPerSecond) => set({ messagesPerSecond })} maxLength={8} inputMode="decimal" />
        <Field label="Daily cap (optional)" value={form.dailyCap} onChange={(dailyCap) => set({ dailyCap })} maxLength={10} inputMode="numeric" />
      </div>
      <Field
        label="Base URL (optional)"
        value={form.baseUrl}
        onChange={(baseUrl) => set({ baseUrl })}
        maxLength={500}
        placeholder="Blank: the provider’s own API host"
        hint="A regional edge, a proxy or a test server instead of the provider’s own API host."
      />
      {error ? (
        <p role="alert" className="callout callout-error">
          {error}
        </p>
      ) : null}
      <div className="row-actions">
        <button type="button" className="button" onClick={() => void onDone()}>
          Cancel
        </button>
        <button type="submit" className="button button-primary">
          {account ? 'Save' : 'Add account'}
        </button>
      </div>
    </form>
  );
}
