import { useEffect, useState } from 'react';
import type { PublishReview } from '../../../shared/api/flows';
import { useApi } from '../api/ApiContext';
import { Dialog, DialogActions } from '../ui/Dialog';
import { triggerSummary } from './nodes/summaries';
import { useFlowStore } from './store/FlowEditorContext';
import '../styles/publish.css';

const count = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const money = (amount: number, currency: string): string => {
  try {
    return amount.toLocaleString('en-US', { style: 'currency', currency, maximumFractionDigits: amount < 10 ? 2 : 0 });
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
};
const providerNames: Record<string, string> = { twilio: 'Twilio', vonage: 'Vonage', telnyx: 'Telnyx' };

/**
 * Publish is a decision, so it is shown before it is taken: the account that will send, who can
 * enter now, when messages may go out in the recipients' own time, what it is likely to cost, and
 * every problem (errors block the publish, warnings do not). Confirming publishes; Cancel leaves
 * everything as it was.
 */
export function PublishReviewDialog({
  flowId,
  isPublishing,
  onConfirm,
  onCancel,
}: {
  flowId: string;
  isPublishing: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const api = useApi();
  // Read while the dialog is open only (not on every canvas update of the editor).
  const trigger = useFlowStore((s) => {
    const node = s.graph.nodes.find((candidate) => candidate.kind === 'trigger');
    return node?.kind === 'trigger' ? node.config : null;
  });
  const [review, setReview] = useState<PublishReview | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let isCurrent = true;
    void api.call('flows.review', { id: flowId }).then((result) => {
      if (!isCurrent) return;
      if (result.ok) setReview(result.value);
      else setError(result.error.message);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, flowId]);

  const errors = review?.issues.filter((issue) => issue.severity === 'error') ?? [];
  const warnings = review?.issues.filter((issue) => issue.severity === 'warning') ?? [];
  return (
    <Dialog title={review ? `Review before publishing “${review.name}”` : 'Review before publishing'} onClose={onCancel} className="publish-review">
      <div className="dialog-body">
        {error ? <p role="alert">The review could not be prepared: {error}</p> : null}
        {!review && !error ? (
          <p aria-busy="true" role="status">
            Preparing the review (counting contacts, simulating the cost)…
          </p>
        ) : null}
        {review ? (
          <>
            <section aria-label="Sends through">
              <h3>Sends through</h3>
              <p className="review-fact">{senderText(review.sender)}</p>
            </section>
            <section aria-label="Who can enter">
              <h3>Who can enter</h3>
              {trigger ? <p className="review-fact">{triggerSummary(trigger)}</p> : null}
              <p className="review-fact">
                <strong>{count(review.audience.eligibleNow, 'contact')}</strong> can receive it now ({review.audience.basis}).
              </p>
            </section>
            <section aria-label="Send window">
              <h3>Send window</h3>
              <p className="review-fact">
                {review.sendWindow.isQuietHoursEnabled
                  ? `Messages wait out quiet hours, ${review.sendWindow.start}–${review.sendWindow.end} in each recipient's local time (contacts without a time zone: ${review.sendWindow.defaultTimeZone}).`
                  : 'Quiet hours are off: messages go out at any hour of the recipient’s day.'}
              </p>
              {review.audience.timeZones.length > 0 ? (
                <ul className="review-zones">
                  {review.audience.timeZones.map((zone) => (
                    <li key={zone.timeZone}>
                      {zone.timeZone}: {count(zone.contacts, 'contact')}, {zone.localTime} there now —{' '}
                      {zone.isQuietNow ? `held until ${review.sendWindow.end}` : 'sending'}
                    </li>
                  ))}
                </ul>
              ) : null}
            </section>
            <section aria-label="Cost forecast">
              <h3>Cost forecast</h3>
              {review.forecast ? (
                <>
                  <table className="review-cost">
                    <thead>
                      <tr>
                        <th scope="col">Channel</th>
                        <th scope="col">Per 1,000 who enter</th>
                        <th scope="col">For the {review.audience.eligibleNow.toLocaleString('en-US')} eligible now</th>
                      </tr>
                    </thead>
                    <tbody>
                      {review.forecast.channels.map((row) => (
                        <tr key={row.channel}>
                          <th scope="row">{row.channel.toUpperCase()}</th>
                          <td>
                            {count(row.messagesPerThousand, 'message')}, {money(row.costPerThousand, review.forecast!.currency)}
                          </td>
                          <td>
                            {count(row.messagesForEligible, 'message')}, {money(row.costForEligible, review.forecast!.currency)}
                          </td>
                        </tr>
                      ))}
                      <tr>
                        <th scope="row">Total</th>
                        <td>{money(review.forecast.totalPerThousand, review.forecast.currency)}</td>
                        <td>{money(review.forecast.totalForEligible, review.forecast.currency)}</td>
                      </tr>
                    </tbody>
                  </table>
                  <p className="field-hint">
                    From a {review.forecast.days}-day simulation of {count(review.forecast.simulatedContacts, 'contact')} at the price table's rates (Analytics).
                  </p>
                </>
              ) : (
                <p className="review-fact">{review.forecastProblem ?? 'No forecast.'}</p>
              )}
            </section>
            <section aria-label="Problems">
              <h3>{errors.length === 0 && warnings.length === 0 ? 'No problems found' : 'Problems'}</h3>
              {errors.length > 0 ? (
                <>
                  <p className="review-blocked">
                    {count(errors.length, 'error')} to fix before it can go live:
                  </p>
                  <ul className="review-issues is-error" aria-label="Errors">
                    {errors.map((issue, i) => (
                      <li key={`${issue.code}-${i}`}>{issue.message}</li>
                    ))}
                  </ul>
                </>
              ) : null}
              {warnings.length > 0 ? (
                <ul className="review-issues is-warning" aria-label="Warnings">
                  {warnings.map((issue, i) => (
                    <li key={`${issue.code}-${i}`}>{issue.message}</li>
                  ))}
                </ul>
              ) : null}
            </section>
          </>
        ) : null}
      </div>
      <DialogActions
        onCancel={onCancel}
        label={isPublishing ? 'Publishing…' : review ? `Publish version ${review.nextVersion}` : 'Publish'}
        onConfirm={onConfirm}
        isDisabled={!review || !review.canPublish || isPublishing}
      />
    </Dialog>
  );
}

function senderText(sender: PublishReview['sender']): string {
  switch (sender.kind) {
    case 'simulator':
      return 'The built-in simulator: nothing leaves this computer. Choose a sending account in the flow’s settings to send for real.';
    case 'missing':
      return 'A sending account that is not on this computer.';
    case 'account':
      return `${sender.name} (${providerNames[sender.provider] ?? sender.provider}, from ${sender.sender}), at most ${sender.messagesPerSecond} messages a second${sender.dailyCap ? ` and ${sender.dailyCap.toLocaleString('en-US')} a day` : ''}.`;
  }
}
