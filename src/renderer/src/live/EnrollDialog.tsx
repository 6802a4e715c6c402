import { useId, useMemo, useState, type FormEvent } from 'react';
import type { EnrollResult } from '../../../shared/api/engine';
import { Dialog, DialogActions } from '../ui/Dialog';
import { SegmentEnrollForm } from './SegmentEnrollForm';

/** The API takes at most this many numbers per call. */
export const MAX_ENROLL_PHONES = 100_000;

/**
 * Phone numbers as a marketer pastes them: one per line, or separated by commas or semicolons
 * (a column copied from a sheet, a list from an e-mail). Spaces and brackets inside a number
 * stay: "(212) 555-0150" is one number, which the server normalises. Repeats count once.
 */
export function parsePhoneList(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[\n\r,;\t]+/)) {
    const phone = part.trim();
    if (phone) seen.add(phone);
  }
  return [...seen];
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** What an enrollment did, in one sentence a marketer can act on. */
export function describeEnrollment(result: EnrollResult): string {
  const parts = [`${plural(result.enrolled, 'contact')} entered the flow.`];
  if (result.refused > 0) parts.push(`${plural(result.refused, 'contact was', 'contacts were')} kept out by the flow's re-entry rule.`);
  if (result.unknownPhones.length > 0) {
    const shown = result.unknownPhones.slice(0, 3).join(', ');
    const more = result.unknownPhones.length > 3 ? ` and ${(result.unknownPhones.length - 3).toLocaleString('en-US')} more` : '';
    parts.push(`${plural(result.unknownPhones.length, 'number is', 'numbers are')} not a contact yet (${shown}${more}): import them on the Contacts tab first.`);
  }
  return parts.join(' ');
}

/**
 * Enroll contacts into a live flow by hand: a list of numbers (the manual trigger, or test
 * contacts for any other), or everyone a saved segment matches, now or at a local time. They
 * enter at the trigger as if it had fired for them, and the scheduler takes their first sends.
 * Nothing is sent from here.
 */
export function EnrollDialog({
  flowId,
  flowName,
  isBusy,
  onConfirm,
  onSegmentDone,
  onCancel,
}: {
  flowId: string;
  flowName: string;
  isBusy: boolean;
  onConfirm: (phones: string[]) => void;
  onSegmentDone: (notice: { kind: 'success' | 'error'; text: string }) => void;
  onCancel: () => void;
}) {
  const [mode, setMode] = useState<'phones' | 'segment'>('phones');
  return (
    <Dialog title={`Enroll contacts in “${flowName}”`} onClose={onCancel}>
      <div className="enroll-mode" role="radiogroup" aria-label="Enroll">
        {(
          [
            ['phones', 'Phone numbers'],
            ['segment', 'A saved segment'],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className={`enroll-mode-option${mode === value ? ' is-selected' : ''}`}>
            <input type="radio" name="enroll-mode" value={value} checked={mode === value} onChange={() => setMode(value)} /> {label}
          </label>
        ))}
      </div>
      {mode === 'phones' ? (
        <PhoneListForm isBusy={isBusy} onConfirm={onConfirm} onCancel={onCancel} />
      ) : (
        <SegmentEnrollForm flowId={flowId} onDone={onSegmentDone} onCancel={onCancel} />
      )}
    </Dialog>
  );
}

function PhoneListForm({ isBusy, onConfirm, onCancel }: { isBusy: boolean; onConfirm: (phones: string[]) => void; onCancel: () => void }) {
  const [text, setText] = useState('');
  const listId = useId();
  const phones = useMemo(() => parsePhoneList(text), [text]);
  const isTooMany = phones.length > MAX_ENROLL_PHONES;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (phones.length > 0 && !isTooMany) onConfirm(phones);
  };
  return (
      <form onSubmit={submit}>
        <div className="dialog-body">
          <p>
            They enter at the trigger now, as if it had fired for them, and follow the published version. Consent, quiet
            hours and the frequency cap still apply to every message. Numbers must be contacts already (the Contacts tab
            imports them).
          </p>
          <div className="field">
            <label htmlFor={listId}>Phone numbers, one per line or separated by commas</label>
            <textarea
              id={listId}
              className="input textarea"
              rows={8}
              value={text}
              placeholder={'+12125550150\n(415) 555-0151'}
              autoFocus
              onChange={(event) => setText(event.target.value)}
            />
            <p className="field-hint" aria-live="polite">
              {isTooMany
                ? `${plural(phones.length, 'number')}: at most ${MAX_ENROLL_PHONES.toLocaleString('en-US')} at a time.`
                : plural(phones.length, 'number')}
            </p>
          </div>
        </div>
        <DialogActions
          onCancel={onCancel}
          label={isBusy ? 'Enrolling…' : `Enroll ${plural(phones.length, 'contact')}`}
          isDisabled={phones.length === 0 || isTooMany || isBusy}
        />
      </form>
  );
}
