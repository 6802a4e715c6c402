import { useFlowStore } from '../editor/store/FlowEditorContext';
import { heldReason, isHeld, useSendingStates } from '../settings/useSendingStates';

/**
 * Under the flow's top bar: the account this flow sends through is held back by the engine (its
 * breaker open after failing calls, refused credentials, a provider's pause, the daily cap), in
 * the engine's words, with when it tries again. Nothing while it sends normally.
 */
export function SendingPausedBanner() {
  const accountId = useFlowStore((s) => s.settings.sendingAccountId);
  const states = useSendingStates();
  const status = accountId ? states.get(accountId) : undefined;
  if (!isHeld(status)) return null;
  const { reason, resumesAt } = heldReason(status);
  return (
    <div className="sending-paused-banner" role="alert" data-testid="sending-paused">
      <strong>Sending paused: {status.name}</strong> — {reason}
      {resumesAt ? `; trying again at ${resumesAt}` : ''}. <a href="#/settings">Sending accounts</a>
    </div>
  );
}
