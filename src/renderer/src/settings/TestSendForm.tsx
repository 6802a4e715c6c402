import { useEffect, useRef, useState, type FormEvent } from 'react';
import '../styles/settings.css';
import { providerLabels, type SendingAccount, type TestSendInput, type TestSendResult, type TestSendStatus } from '../../../shared/api/accounts';
import { useApi } from '../api/ApiContext';
import { Field } from './fields';

const finalStatuses: ReadonlySet<TestSendStatus> = new Set(['delivered', 'undelivered', 'failed']);
const POLL_MS = 2000;
const POLL_LIMIT = 30;

/** A message the editor already holds (the step being edited, rendered for the preview's contact). */
export type PresetMessage = Pick<TestSendInput, 'body' | 'subject' | 'mediaAssetId' | 'sendProfileId' | 'attributes'>;

/**
 * "Send a test to my phone": sends now through the account, then follows the provider's status
 * until it is final. Without a preset message it asks for a text (Settings); with one (the
 * message inspector) it sends that step as the preview shows it.
 */
export function TestSendForm({ account, message }: { account: Pick<SendingAccount, 'id' | 'name' | 'provider'>; message?: PresetMessage }) {
  const api = useApi();
  const [to, setTo] = useState('');
  const [body, setBody] = useState(`Test from Postcard via ${account.name}`);
  const [sent, setSent] = useState<TestSendResult | null>(null);
  const [status, setStatus] = useState<{ status: TestSendStatus; detail: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const polls = useRef(0);

  useEffect(() => {
    if (!sent || (status && finalStatuses.has(status.status)) || polls.current >= POLL_LIMIT) return;
    const timer = setTimeout(async () => {
      polls.current += 1;
      const result = await api.call('accounts.testStatus', { accountId: account.id, providerMessageId: sent.providerMessageId });
      if (result.ok) setStatus({ status: result.value.status, detail: result.value.detail });
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [api, account.id, sent, status]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setIsBusy(true);
    setError(null);
    setSent(null);
    setStatus(null);
    polls.current = 0;
    const result = await api.call('accounts.sendTest', { accountId: account.id, to: to.trim(), ...(message ?? { body }) });
    setIsBusy(false);
    if (!result.ok) {
      const code = (result.error.details as { code?: string } | undefined)?.code;
      setError(code && !result.error.message.includes(code) ? `${result.error.message} (${code})` : result.error.message);
      return;
    }
    setSent(result.value);
    setStatus({ status: result.value.status, detail: null });
  };

  return (
    <form className="settings-form" onSubmit={(event) => void submit(event)} aria-label={`Send a test through ${account.name}`}>
      <div className="field-row">
        <Field label="To (your phone)" value={to} onChange={setTo} placeholder="e.g. +14155550100" maxLength={16} />
        {message ? null : <Field label="Message" value={body} onChange={setBody} maxLength={1600} />}
      </div>
      <div className="row-actions">
        <button type="submit" className="button button-primary" disabled={isBusy || to.trim() === ''}>
          {isBusy ? 'Sending…' : 'Send now'}
        </button>
      </div>
      {error ? (
        <p role="alert" className="callout callout-error">
          {error}
        </p>
      ) : null}
      {sent && status ? (
        <p role="status" className={status.status === 'failed' || status.status === 'undelivered' ? 'callout callout-error' : 'callout'} data-testid="test-send-status">
          {providerLabels[account.provider]} took it as {sent.providerMessageId}: <strong>{status.status}</strong>
          {status.detail && status.detail !== status.status ? ` — ${status.detail}` : ''}
        </p>
      ) : null}
      <p className="field-hint">A test belongs to no flow and counts in no flow’s figures.</p>
    </form>
  );
}
