import { useEffect, useId, useState, type FormEvent } from 'react';
import type { TestSendStatus, WalkFlowResult } from '../../../shared/api/accounts';
import { useApi } from '../api/ApiContext';
import { sampleContacts } from '../preview/sampleContacts';
import { Dialog, DialogActions } from '../ui/Dialog';
import { useFlowStore } from './store/FlowEditorContext';
import type { Autosave } from './store/autosave';
import '../styles/publish.css';

const finalStatuses: ReadonlySet<TestSendStatus> = new Set(['delivered', 'undelivered', 'failed']);
const POLL_MS = 2000;
const POLL_LIMIT = 30;

/** Toolbar button and dialog: every message of the flow on my own phone, now, in order. */
export function WalkFlowButton({ autosave }: { autosave: Autosave }) {
  const [isOpen, setIsOpen] = useState(false);
  return (
    <>
      <button type="button" className="button" onClick={() => setIsOpen(true)} title="Send every message of this flow to your phone now, in order, as a sample contact would get them">
        Walk on my phone
      </button>
      {isOpen ? <WalkFlowDialog autosave={autosave} onClose={() => setIsOpen(false)} /> : null}
    </>
  );
}

/**
 * The draft, walked for one sample contact: each message goes to the number given at once,
 * through the flow's sending account (the simulator when it has none), down the branches that
 * contact would take and past every wait. Outside every flow's figures, like a test send. Each
 * message's provider status is followed until it is final.
 */
export function WalkFlowDialog({ autosave, onClose }: { autosave: Autosave; onClose: () => void }) {
  const api = useApi();
  const flowId = useFlowStore((s) => s.meta.id);
  const accountId = useFlowStore((s) => s.settings.sendingAccountId);
  const labels = useFlowStore((s) => s.graph.nodes);
  const [to, setTo] = useState('');
  const [sampleId, setSampleId] = useState(sampleContacts[0]?.id ?? '');
  const [walk, setWalk] = useState<WalkFlowResult | null>(null);
  const [statuses, setStatuses] = useState<Record<string, { status: TestSendStatus; detail: string | null }>>({});
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const [polls, setPolls] = useState(0);
  const toId = useId();
  const sampleFieldId = useId();

  // A real account's statuses are followed (the simulator's messages stay "queued" here).
  useEffect(() => {
    if (!walk?.accountId || polls >= POLL_LIMIT) return;
    const pending = walk.steps.filter((s) => s.message?.providerMessageId && !finalStatuses.has(statuses[s.nodeId]?.status ?? 'queued'));
    if (pending.length === 0) return;
    const timer = setTimeout(async () => {
      const next: Record<string, { status: TestSendStatus; detail: string | null }> = {};
      for (const walked of pending) {
        const result = await api.call('accounts.testStatus', { accountId: walk.accountId as string, providerMessageId: walked.message!.providerMessageId as string });
        if (result.ok) next[walked.nodeId] = { status: result.value.status, detail: result.value.detail };
      }
      setStatuses((current) => ({ ...current, ...next }));
      setPolls((n) => n + 1);
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [api, walk, statuses, polls]);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setIsBusy(true);
    setError(null);
    setWalk(null);
    setStatuses({});
    setPolls(0);
    try {
      if (!(await autosave.flush())) {
        setError('The draft could not be saved; see the save status above.');
        return;
      }
      const sample = sampleContacts.find((candidate) => candidate.id === sampleId);
      const result = await api.call('accounts.walkFlow', { flowId, to: to.trim(), ...(sample ? { samplePhone: sample.phone, attributes: sample.attributes } : {}) });
      if (!result.ok) setError(result.error.message);
      else setWalk(result.value);
    } finally {
      setIsBusy(false);
    }
  };

  const labelOf = (nodeId: string): string => labels.find((node) => node.id === nodeId)?.label || nodeId;
  const messages = walk?.steps.filter((s) => s.message) ?? [];
  return (
    <Dialog title="Walk the flow on my phone" onClose={onClose} className="walk-dialog">
      <form onSubmit={(event) => void submit(event)}>
        <div className="dialog-body">
          <p>
            Every message of this draft, sent now to your phone, in order, as the sample contact would get them: branches and
            splits go their way, waits are skipped. Through {accountId ? "the flow's sending account" : 'the built-in simulator'}; it
            counts in no statistics.
          </p>
          <div className="field">
            <label htmlFor={toId}>Your phone number</label>
            <input id={toId} className="input" value={to} placeholder="e.g. +14155550100" maxLength={16} onChange={(event) => setTo(event.target.value)} autoFocus />
          </div>
          <div className="field">
            <label htmlFor={sampleFieldId}>As sample contact</label>
            <select id={sampleFieldId} className="input" value={sampleId} onChange={(event) => setSampleId(event.target.value)}>
              {sampleContacts.map((sample) => (
                <option key={sample.id} value={sample.id}>
                  {sample.name} — {sample.description}
                </option>
              ))}
            </select>
          </div>
          {error ? <p role="alert">{error}</p> : null}
          {walk ? (
            <>
              <ol className="walk-messages" aria-label="Messages sent">
                {messages.map((walked) => {
                  const message = walked.message!;
                  const followed = statuses[walked.nodeId];
                  const status = message.status === 'failed' ? 'failed' : (followed?.status ?? 'queued');
                  const detail = message.status === 'failed' ? `${message.detail ?? ''}${message.code ? ` (${message.code})` : ''}` : followed?.detail;
                  return (
                    <li key={walked.nodeId}>
                      <strong>{labelOf(walked.nodeId)}</strong> · {message.channel.toUpperCase()} · <span className={`walk-status is-${status}`}>{status}</span>
                      {detail ? ` — ${detail}` : ''}
                      <div className="walk-body">{message.body}</div>
                    </li>
                  );
                })}
              </ol>
              <p className="field-hint" role="status">
                {messages.length === 0 ? 'No message on this contact’s way through the flow.' : `${messages.length} ${messages.length === 1 ? 'message' : 'messages'} sent`}; the walk ended: {walk.ended.replace(/_/g, ' ')}.
              </p>
            </>
          ) : null}
        </div>
        <DialogActions onCancel={onClose} label={isBusy ? 'Sending…' : walk ? 'Walk again' : 'Send every message now'} isDisabled={isBusy || to.trim() === ''} />
      </form>
    </Dialog>
  );
}
