import { useId, useState, type FormEvent } from 'react';
import type { RunControlResult } from '../../../shared/api/engine';
import type { ApiResult } from '../../../shared/api/result';
import { useApi } from '../api/ApiContext';
import { useFlowActions, useFlowStore } from '../editor/store/FlowEditorContext';
import { Dialog, DialogActions } from '../ui/Dialog';
import { describeEnrollment, EnrollDialog } from './EnrollDialog';
import { useOperations } from './OperationsContext';

type Notice = { kind: 'success' | 'error'; text: string };

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * Run control for a published flow: enroll contacts by hand (live only), pause (no new sends or
 * steps; timers that fall due wait), resume, and archive (for good: queued messages are cancelled and every contact in the flow
 * leaves it, with the reason recorded on each).
 */
export function LiveControls({ onNotice }: { onNotice: (notice: Notice) => void }) {
  const api = useApi();
  const actions = useFlowActions();
  const flowId = useFlowStore((s) => s.meta.id);
  const name = useFlowStore((s) => s.meta.name);
  const status = useFlowStore((s) => s.meta.status);
  const inFlight = useOperations((s) => (s.live ? Object.values(s.live).reduce((sum, c) => sum + c.waiting, 0) : null));
  const [isBusy, setIsBusy] = useState(false);
  const [isArchiveOpen, setIsArchiveOpen] = useState(false);
  const [isEnrollOpen, setIsEnrollOpen] = useState(false);

  if (status !== 'live' && status !== 'paused') return null;

  const run = async (call: () => Promise<ApiResult<RunControlResult>>, describe: (r: RunControlResult) => string): Promise<boolean> => {
    setIsBusy(true);
    try {
      const result = await call();
      if (!result.ok) {
        onNotice({ kind: 'error', text: result.error.message });
        return false;
      }
      actions.setMeta({ status: result.value.status });
      onNotice({ kind: 'success', text: describe(result.value) });
      return true;
    } finally {
      setIsBusy(false);
    }
  };

  const enroll = async (phones: string[]): Promise<void> => {
    setIsBusy(true);
    try {
      const result = await api.call('engine.enroll', { flowId, phones });
      if (!result.ok) {
        onNotice({ kind: 'error', text: result.error.message });
        return;
      }
      setIsEnrollOpen(false);
      const { enrolled, unknownPhones } = result.value;
      onNotice({ kind: enrolled === 0 && unknownPhones.length > 0 ? 'error' : 'success', text: describeEnrollment(result.value) });
    } finally {
      setIsBusy(false);
    }
  };

  const segmentEnrolled = (notice: Notice): void => {
    setIsEnrollOpen(false);
    onNotice(notice);
  };

  return (
    <div className="live-controls" role="group" aria-label="Run control">
      {status === 'live' ? (
        <button type="button" className="button" disabled={isBusy} title="Add contacts to this journey: by phone number, or everyone in a saved segment" onClick={() => setIsEnrollOpen(true)}>
          Enroll contacts…
        </button>
      ) : null}
      {isEnrollOpen ? <EnrollDialog flowId={flowId} flowName={name} isBusy={isBusy} onCancel={() => setIsEnrollOpen(false)} onConfirm={(phones) => void enroll(phones)} onSegmentDone={segmentEnrolled} /> : null}
      {status === 'live' ? (
        <button
          type="button"
          className="button"
          disabled={isBusy}
          title="Stop new sends and steps; contacts stay where they are"
          onClick={() => void run(() => api.call('engine.pause', { flowId }), () => 'Paused. No messages go out until you resume.')}
        >
          Pause
        </button>
      ) : (
        <button
          type="button"
          className="button"
          disabled={isBusy}
          title="Carry on: steps that fell due while paused run now"
          onClick={() => void run(() => api.call('engine.resume', { flowId }), () => 'Resumed. Steps that fell due while paused run now.')}
        >
          Resume
        </button>
      )}
      <button type="button" className="button button-danger-outline" disabled={isBusy} onClick={() => setIsArchiveOpen(true)}>
        Archive…
      </button>
      {isArchiveOpen ? (
        <ArchiveDialog
          flowName={name}
          inFlight={inFlight}
          isBusy={isBusy}
          onCancel={() => setIsArchiveOpen(false)}
          onConfirm={(reason) =>
            void run(
              () => api.call('engine.archive', { flowId, reason }),
              (r) =>
                `Archived. ${plural(r.cancelledMessages, 'queued message')} cancelled, ${plural(r.exitedEnrollments, 'contact')} left the flow (“${reason}”).`,
            ).then((isDone) => {
              if (isDone) setIsArchiveOpen(false);
            })
          }
        />
      ) : null}
    </div>
  );
}

function ArchiveDialog({
  flowName,
  inFlight,
  isBusy,
  onConfirm,
  onCancel,
}: {
  flowName: string;
  inFlight: number | null;
  isBusy: boolean;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState('');
  const reasonId = useId();
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (reason.trim()) onConfirm(reason.trim());
  };
  return (
    <Dialog title={`Archive “${flowName}”?`} onClose={onCancel}>
      <form onSubmit={submit}>
        <div className="dialog-body">
          <p>
            {inFlight === null
              ? 'Every contact still in this flow'
              : inFlight === 0
                ? 'No contact is in this flow right now, but anyone who would enter'
                : `${plural(inFlight, 'contact is', 'contacts are')} in this flow right now. They`}{' '}
            will leave it at once: messages still queued for them are cancelled (nothing already handed to the carrier
            can be called back), and each journey ends with the reason below. No one enters again.
          </p>
          <p>Archiving cannot be undone. To run this journey again later, duplicate the flow and publish the copy.</p>
          <div className="field">
            <label htmlFor={reasonId}>Reason (kept on every journey it ends)</label>
            <input
              id={reasonId}
              className="input"
              value={reason}
              maxLength={200}
              placeholder="e.g. Promotion ended"
              autoFocus
              onChange={(event) => setReason(event.target.value)}
            />
          </div>
        </div>
        <DialogActions onCancel={onCancel} label={isBusy ? 'Archiving…' : 'Archive flow'} tone="danger" isDisabled={!reason.trim() || isBusy} />
      </form>
    </Dialog>
  );
}
