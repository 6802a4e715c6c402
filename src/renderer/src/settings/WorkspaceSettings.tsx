import { useEffect, useId, useState, type FormEvent } from 'react';
import { MAX_PAUSE_DAYS, PAUSE_REPLY_DEFAULT, type KeywordAction, type WorkspaceKeyword, type WorkspaceSettings as Settings } from '../../../shared/audience/workspace';
import { helpKeywords, optInKeywords, optOutKeywords } from '../../../shared/engine/keywords';
import { useApi } from '../api/ApiContext';
import { Field } from './fields';
import { refusalInFormWords } from '../ui/refusal';

const actionLabels: Record<KeywordAction, string> = {
  opt_out: 'Opt out of every channel (like STOP)',
  opt_in: 'Opt back in (like START)',
  help: 'Answer with the HELP text',
  pause: 'Pause marketing for some days',
};

interface KeywordRow {
  word: string;
  action: KeywordAction;
  pauseDays: string;
  reply: string;
}

const rowOf = (keyword: WorkspaceKeyword): KeywordRow => ({ word: keyword.word, action: keyword.action, pauseDays: String(keyword.pauseDays), reply: keyword.reply });

/**
 * Settings → Workspace: the brand name the compliance checks look for in each flow's first
 * message, the time zone for contacts without one, and keywords beyond STOP / START / HELP
 * (aliases, and PAUSE [N days]). Every keyword a contact texts is recorded in the consent ledger.
 */
export function WorkspaceSettings() {
  const api = useApi();
  const [brandName, setBrandName] = useState('');
  const [defaultTimeZone, setDefaultTimeZone] = useState('America/New_York');
  const [rows, setRows] = useState<KeywordRow[]>([]);
  const [isLoaded, setIsLoaded] = useState(false);
  const [message, setMessage] = useState<{ isOk: boolean; text: string } | null>(null);

  useEffect(() => {
    let isCurrent = true;
    void api.call('workspace.settings', {}).then((result) => {
      if (!isCurrent || !result.ok) return;
      setBrandName(result.value.brandName);
      setDefaultTimeZone(result.value.defaultTimeZone);
      setRows(result.value.keywords.map(rowOf));
      setIsLoaded(true);
    });
    return () => {
      isCurrent = false;
    };
  }, [api]);

  const update = (index: number, patch: Partial<KeywordRow>) => setRows((all) => all.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  const hasPause = rows.some((row) => row.word.trim().toUpperCase() === 'PAUSE');

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const settings: Settings = {
      brandName: brandName.trim(),
      defaultTimeZone: defaultTimeZone.trim(),
      keywords: rows.map((row) => ({ word: row.word.trim(), action: row.action, pauseDays: Number(row.pauseDays), reply: row.reply })),
    };
    const days = rows.find((row) => row.action === 'pause' && !(Number.isInteger(Number(row.pauseDays)) && Number(row.pauseDays) >= 1 && Number(row.pauseDays) <= MAX_PAUSE_DAYS));
    if (days) {
      setMessage({ isOk: false, text: `${days.word.trim() || 'A pause keyword'}: the days are a whole number from 1 to ${MAX_PAUSE_DAYS}.` });
      return;
    }
    const saved = await api.call('workspace.saveSettings', settings);
    if (!saved.ok) {
      setMessage({
        isOk: false,
        text: refusalInFormWords(saved.error, ([field, index, part]) => {
          if (field === 'brandName') return 'Brand name';
          if (field === 'defaultTimeZone') return 'Default time zone';
          if (field !== 'keywords') return undefined;
          const word = settings.keywords[Number(index)]?.word;
          const which = word ? `Keyword ${word.toUpperCase()}` : 'A keyword';
          if (part === 'word') return undefined; // its message names the word already
          return part === 'reply' ? `${which}, reply` : which;
        }),
      });
      return;
    }
    setRows(saved.value.keywords.map(rowOf));
    setMessage({ isOk: true, text: 'Saved. New keywords apply to the next text a contact sends.' });
  };

  return (
    <section className="settings-section" aria-labelledby="workspace-title">
      <header className="settings-section-header">
        <div>
          <h2 id="workspace-title" className="panel-title">
            Workspace
          </h2>
          <p className="field-hint">Your brand, the time zone for contacts whose own is unknown, and the words contacts can text to manage their messages.</p>
        </div>
      </header>
      <form className="settings-form" onSubmit={(event) => void save(event)} aria-label="Workspace" aria-busy={!isLoaded}>
        <div className="field-row">
          <Field
            label="Brand name"
            value={brandName}
            onChange={setBrandName}
            maxLength={60}
            placeholder="e.g. Acme Shoes"
            hint="Carriers expect the first text of every flow to name it; the Problems panel checks."
          />
          <Field label="Default time zone" value={defaultTimeZone} onChange={setDefaultTimeZone} maxLength={64} placeholder="e.g. America/New_York" hint="For contacts without one of their own." />
        </div>
        <fieldset className="field keyword-fieldset">
          <legend>Keywords</legend>
          <p className="field-hint">
            Always understood: {optOutKeywords.join(', ')} (opt out); {optInKeywords.join(', ')} (opt back in); {helpKeywords.join(', ')} (help). Add your own below;
            a pause keyword takes a number of days (“PAUSE 3”).
          </p>
          {rows.length === 0 ? <p className="field-hint">No keywords of your own yet.</p> : null}
          <ul className="keyword-list" aria-label="Your keywords">
            {rows.map((row, index) => (
              <KeywordEditor key={index} row={row} onChange={(patch) => update(index, patch)} onRemove={() => setRows((all) => all.filter((_, i) => i !== index))} />
            ))}
          </ul>
          <div className="row-actions keyword-add">
            {!hasPause ? (
              <button type="button" className="button button-small" onClick={() => setRows((all) => [...all, { word: 'PAUSE', action: 'pause', pauseDays: '30', reply: PAUSE_REPLY_DEFAULT }])}>
                Add PAUSE
              </button>
            ) : null}
            <button type="button" className="button button-small" onClick={() => setRows((all) => [...all, { word: '', action: 'opt_out', pauseDays: '30', reply: '' }])}>
              Add keyword
            </button>
          </div>
        </fieldset>
        <div className="row-actions">
          <button type="submit" className="button button-primary" disabled={!isLoaded}>
            Save workspace
          </button>
        </div>
        {message ? (
          <p role="status" className={message.isOk ? 'callout' : 'callout callout-error'}>
            {message.text}
          </p>
        ) : null}
      </form>
    </section>
  );
}

function KeywordEditor({ row, onChange, onRemove }: { row: KeywordRow; onChange: (patch: Partial<KeywordRow>) => void; onRemove: () => void }) {
  const id = useId();
  const name = row.word.trim().toUpperCase() || 'new keyword';
  return (
    <li className="keyword-row" aria-label={`Keyword ${name}`}>
      <div className="field-row">
        <Field label="Word" value={row.word} onChange={(word) => onChange({ word })} maxLength={20} placeholder="e.g. PAUSE" />
        <div className="field">
          <label htmlFor={`${id}-action`}>What it does</label>
          <select id={`${id}-action`} className="input select" value={row.action} onChange={(event) => onChange({ action: event.target.value as KeywordAction })}>
            {(Object.keys(actionLabels) as KeywordAction[]).map((action) => (
              <option key={action} value={action}>
                {actionLabels[action]}
              </option>
            ))}
          </select>
        </div>
        {row.action === 'pause' ? (
          <Field label="Days when none is given" value={row.pauseDays} onChange={(pauseDays) => onChange({ pauseDays })} maxLength={3} inputMode="numeric" />
        ) : null}
      </div>
      {row.action === 'help' ? (
        <p className="field-hint">Answered with the HELP text of the contact’s flow.</p>
      ) : (
        <Field
          label="Reply"
          value={row.reply}
          onChange={(reply) => onChange({ reply })}
          maxLength={320}
          placeholder={row.action === 'pause' ? PAUSE_REPLY_DEFAULT : 'Blank: no reply'}
          hint={row.action === 'pause' ? '{days} and {date} are filled in for each contact.' : 'Sent at once, whatever the hour.'}
        />
      )}
      <div className="row-actions">
        <button type="button" className="button button-small button-ghost" onClick={onRemove} aria-label={`Remove keyword ${name}`}>
          Remove
        </button>
      </div>
    </li>
  );
}
