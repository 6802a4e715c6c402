import { useEffect, useId, useState, type FormEvent } from 'react';
import type { SegmentEnrollResult, SegmentSummary } from '../../../shared/api/audience';
import { useApi } from '../api/ApiContext';
import { DialogActions } from '../ui/Dialog';

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

const when = (iso: string): string => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/** What enrolling a segment did, in one sentence a marketer can act on. */
export function describeSegmentEnrollment(segmentName: string, result: SegmentEnrollResult): string {
  if (result.scheduled) {
    const { scheduled, firstAt, lastAt } = result.scheduled;
    const span = firstAt && lastAt ? (firstAt === lastAt ? ` at ${when(firstAt)}` : ` between ${when(firstAt)} and ${when(lastAt)} (each in their own time zone)`) : '';
    return `${plural(scheduled, 'contact')} of “${segmentName}” will enter the flow${span}.`;
  }
  const parts = [`${plural(result.enrolled, 'contact')} of “${segmentName}” entered the flow.`];
  if (result.refused > 0) parts.push(`${plural(result.refused, 'contact was', 'contacts were')} kept out by the flow's re-entry rule.`);
  return parts.join(' ');
}

type Count = { state: 'idle' } | { state: 'counting' } | { state: 'counted'; matched: number } | { state: 'error'; message: string };

/**
 * "Enroll a segment": everyone a saved segment matches now enters the live flow, now or at a
 * local date and time in each contact's own zone (a scheduled broadcast). The count comes first;
 * the button says how many it enrolls, so the click is the confirmation.
 */
export function SegmentEnrollForm({
  flowId,
  onDone,
  onCancel,
}: {
  flowId: string;
  onDone: (notice: { kind: 'success' | 'error'; text: string }) => void;
  onCancel: () => void;
}) {
  const api = useApi();
  const segmentFieldId = useId();
  const dateId = useId();
  const timeId = useId();
  const [segments, setSegments] = useState<SegmentSummary[] | null>(null);
  const [segmentId, setSegmentId] = useState('');
  const [isScheduled, setIsScheduled] = useState(false);
  const [date, setDate] = useState('');
  const [time, setTime] = useState('10:00');
  const [isBusy, setIsBusy] = useState(false);
  const atDate = isScheduled && date && time ? date : '';
  const atTime = atDate ? time : '';
  const at = atDate ? { date: atDate, time: atTime } : undefined;
  // The answer for the segment and time it was asked for; anything else is still being counted.
  const askedFor = segmentId ? `${segmentId}|${atDate}|${atTime}` : '';
  const [answer, setAnswer] = useState<{ askedFor: string; count: Count } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const count: Count = failure
    ? { state: 'error', message: failure }
    : !askedFor
      ? { state: 'idle' }
      : answer?.askedFor === askedFor
        ? answer.count
        : { state: 'counting' };

  useEffect(() => {
    let isCurrent = true;
    void api.call('segments.list', {}).then((result) => {
      if (!isCurrent) return;
      if (result.ok) setSegments(result.value);
      else setFailure(result.error.message);
    });
    return () => {
      isCurrent = false;
    };
  }, [api]);

  // The count (and a check of the chosen date) as soon as a segment is picked or the time changes.
  useEffect(() => {
    if (!segmentId) return;
    let isCurrent = true;
    const key = `${segmentId}|${atDate}|${atTime}`;
    void api.call('segments.enroll', { segmentId, flowId, isConfirmed: false, ...(atDate ? { at: { date: atDate, time: atTime } } : {}) }).then((result) => {
      if (!isCurrent) return;
      setAnswer({ askedFor: key, count: result.ok ? { state: 'counted', matched: result.value.matched } : { state: 'error', message: result.error.message } });
    });
    return () => {
      isCurrent = false;
    };
  }, [api, flowId, segmentId, atDate, atTime]);

  const segmentName = segments?.find((s) => s.id === segmentId)?.name ?? '';
  const matched = count.state === 'counted' ? count.matched : 0;
  const isReady = count.state === 'counted' && matched > 0 && (!isScheduled || at !== undefined) && !isBusy;

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!isReady) return;
    setIsBusy(true);
    try {
      const result = await api.call('segments.enroll', { segmentId, flowId, isConfirmed: true, ...(at ? { at } : {}) });
      if (!result.ok) setFailure(result.error.message);
      else onDone({ kind: result.value.enrolled > 0 || (result.value.scheduled?.scheduled ?? 0) > 0 ? 'success' : 'error', text: describeSegmentEnrollment(segmentName, result.value) });
    } finally {
      setIsBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} aria-label="Enroll a segment">
      <div className="dialog-body">
        <p>Everyone the segment matches now enters at the trigger and follows the published version. Consent, quiet hours and the frequency cap still apply; the flow’s re-entry rule decides who is already in it.</p>
        <div className="field">
          <label htmlFor={segmentFieldId}>Segment</label>
          <select id={segmentFieldId} className="input select" value={segmentId} onChange={(event) => setSegmentId(event.target.value)} autoFocus>
            <option value="">{segments === null ? 'Loading segments…' : segments.length === 0 ? 'No saved segments yet' : 'Choose a segment'}</option>
            {segments?.map((segment) => (
              <option key={segment.id} value={segment.id}>
                {segment.name}
              </option>
            ))}
          </select>
          {segments?.length === 0 ? (
            <p className="field-hint">
              Build one on the <a href="#/segments">Segments</a> page first.
            </p>
          ) : null}
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={isScheduled} onChange={(event) => setIsScheduled(event.target.checked)} /> At a chosen time, in each contact’s own time zone
        </label>
        {isScheduled ? (
          <div className="field-row">
            <div className="field">
              <label htmlFor={dateId}>Date</label>
              <input id={dateId} className="input" type="date" value={date} onChange={(event) => setDate(event.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={timeId}>Local time</label>
              <input id={timeId} className="input" type="time" value={time} onChange={(event) => setTime(event.target.value)} />
            </div>
          </div>
        ) : null}
        <p className={count.state === 'error' ? 'callout callout-error' : 'segment-enroll-count'} role="status" data-testid="segment-enroll-count">
          {count.state === 'counting'
            ? 'Counting…'
            : count.state === 'counted'
              ? matched === 0
                ? 'No contact matches this segment now.'
                : `${plural(matched, 'contact matches', 'contacts match')} this segment now${at ? '; each enters at that time in their own zone' : ' and will enter the flow'}.`
              : count.state === 'error'
                ? count.message
                : isScheduled && !date
                  ? 'Pick a segment and a date.'
                  : ''}
        </p>
      </div>
      <DialogActions
        onCancel={onCancel}
        label={isBusy ? 'Enrolling…' : at ? `Schedule ${plural(matched, 'contact')}` : `Enroll ${plural(matched, 'contact')}`}
        isDisabled={!isReady}
      />
    </form>
  );
}
