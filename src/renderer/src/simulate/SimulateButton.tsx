import { useEffect, useId, useState, type FormEvent } from 'react';
import type { PriceTable } from '../../../shared/analytics/money';
import { useApi } from '../api/ApiContext';
import { useFlowEditor, useFlowStore } from '../editor/store/FlowEditorContext';
import { useOperations, useOperationsStore } from '../live/OperationsContext';
import { Dialog, DialogActions } from '../ui/Dialog';
import { NumberField } from './NumberField';
import { runSimulation } from './runSimulation';
import { checkForm, defaultForm, eventNamesInFlow, randomSeed, reconcileBehaviours, toOptions, type SimulationForm } from './simulationForm';

/** The toolbar's Simulate button and its options dialog; the last options are kept while the flow is open. */
export function SimulateButton() {
  const api = useApi();
  const editor = useFlowEditor();
  const operations = useOperationsStore();
  const isRunning = useOperations((s) => s.simulationStatus.state === 'running');
  const hasErrors = useFlowStore((s) => s.validation.hasErrors);
  const isResultHidden = useOperations((s) => s.simulation !== null && !s.isSimulationPanelOpen);
  const [form, setForm] = useState<SimulationForm | null>(null);
  const [isOpen, setIsOpen] = useState(false);

  const open = (): void => {
    const { graph, settings } = editor.store.getState();
    const names = eventNamesInFlow(graph, settings);
    setForm((previous) => (previous ? { ...previous, behaviours: reconcileBehaviours(previous.behaviours, names) } : defaultForm(graph, settings)));
    setIsOpen(true);
  };

  const run = (values: SimulationForm): void => {
    setForm(values);
    setIsOpen(false);
    void runSimulation(api, editor, operations, toOptions(values), values.contactSource);
  };

  const blockedReason = hasErrors ? 'Fix the errors on the canvas before simulating' : undefined;
  return (
    <>
      <button
        type="button"
        className="button"
        disabled={isRunning || Boolean(blockedReason)}
        title={blockedReason ?? 'Dry-run this draft with synthetic or imported contacts; nothing is sent'}
        aria-busy={isRunning || undefined}
        onClick={open}
      >
        {isRunning ? <span className="spinner" aria-hidden="true" /> : <PlayIcon />}
        {isRunning ? 'Simulating…' : 'Simulate'}
      </button>
      {isResultHidden ? (
        <button
          type="button"
          className="button button-ghost"
          title="Show the simulation results again"
          onClick={() => operations.setState({ isSimulationPanelOpen: true })}
        >
          Results
        </button>
      ) : null}
      {isOpen && form ? <SimulateDialog initial={form} onRun={run} onCancel={() => setIsOpen(false)} /> : null}
    </>
  );
}

function PlayIcon() {
  return (
    <svg width={16} height={16} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinejoin="round" aria-hidden="true">
      <path d="M7 4v16l13-8z" />
    </svg>
  );
}

function SimulateDialog({ initial, onRun, onCancel }: { initial: SimulationForm; onRun: (form: SimulationForm) => void; onCancel: () => void }) {
  const api = useApi();
  const [form, setForm] = useState(initial);
  const [importedCount, setImportedCount] = useState<number | null>(null);
  const [isSubmitted, setIsSubmitted] = useState(false);
  const sourceName = useId();
  const startName = useId();
  const problems = checkForm(form);
  const problemOf = (field: string): string | undefined => (isSubmitted ? problems.find((p) => p.field === field)?.message : undefined);
  const set = <K extends keyof SimulationForm>(key: K, value: SimulationForm[K]): void => setForm((f) => ({ ...f, [key]: value }));

  const [prices, setPrices] = useState<PriceTable | null>(null);
  useEffect(() => {
    let isCurrent = true;
    void api.call('contacts.search', { query: '', limit: 1 }).then((result) => {
      if (isCurrent) setImportedCount(result.ok ? result.value.total : 0);
    });
    // The run is costed at the workspace's price table: its default row fills the price fields until they are typed in.
    void api.call('analytics.settings', {}).then((result) => {
      if (!isCurrent || !result.ok) return;
      const table = result.value.prices;
      setPrices(table);
      setForm((f) => (f.arePricesTyped ? f : { ...f, smsSegmentPrice: table.default.smsSegment, mmsPrice: table.default.mms }));
    });
    return () => {
      isCurrent = false;
    };
  }, [api]);
  const setPrice = (key: 'smsSegmentPrice' | 'mmsPrice', value: number): void => setForm((f) => ({ ...f, [key]: value, arePricesTyped: true }));
  const currency = prices?.currency ?? 'USD';
  const pricedApart = Object.keys(prices?.byCountry ?? {}).sort();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setIsSubmitted(true);
    if (problems.length === 0 && !(form.contactSource === 'imported' && importedCount === 0)) onRun(form);
  };

  return (
    <Dialog title="Simulate this flow" onClose={onCancel} className="simulate-dialog">
      <form onSubmit={submit} noValidate>
        <div className="dialog-body simulate-form">
          <p>
            The real engine runs this draft over virtual time against a simulated carrier, in a private database: nothing is sent and no live data
            changes. The same options and seed always give the same figures.
          </p>
          <fieldset className="simulate-section">
            <legend>Run</legend>
            <div className="field-row">
              <NumberField label="Horizon" suffix="days" value={form.days} onChange={(v) => set('days', v)} error={problemOf('days')} />
              <div className="seed-field">
                <NumberField label="Seed" value={form.seed} onChange={(v) => set('seed', v)} error={problemOf('seed')} />
                <button type="button" className="button button-small" onClick={() => set('seed', randomSeed())}>
                  New seed
                </button>
              </div>
            </div>
            <div className="radio-row" role="radiogroup" aria-label="Virtual time starts">
              <label>
                <input type="radio" name={startName} checked={form.start === 'now'} onChange={() => set('start', 'now')} />
                Now
              </label>
              <label>
                <input type="radio" name={startName} checked={form.start === 'chosen'} onChange={() => set('start', 'chosen')} />
                On this date
              </label>
              <input
                type="datetime-local"
                className="input simulate-start"
                aria-label="Start date and time"
                value={form.startLocal}
                onChange={(event) => setForm((f) => ({ ...f, start: 'chosen', startLocal: event.target.value }))}
              />
            </div>
            {problemOf('startLocal') ? (
              <p className="field-error" role="alert">
                {problemOf('startLocal')}
              </p>
            ) : null}
          </fieldset>

          <fieldset className="simulate-section">
            <legend>Contacts</legend>
            <div className="radio-row">
              <label>
                <input type="radio" name={sourceName} checked={form.contactSource === 'synthetic'} onChange={() => set('contactSource', 'synthetic')} />
                Synthetic contacts
              </label>
              <label>
                <input
                  type="radio"
                  name={sourceName}
                  checked={form.contactSource === 'imported'}
                  disabled={importedCount === 0}
                  onChange={() => set('contactSource', 'imported')}
                />
                Imported contacts {importedCount === null ? '' : `(${importedCount.toLocaleString('en-US')})`}
              </label>
            </div>
            {importedCount === 0 ? <p className="field-hint">No contacts imported yet: import a CSV on the Contacts page to simulate with them.</p> : null}
            {form.contactSource === 'synthetic' ? (
              <>
                <div className="field-row">
                  <NumberField label="How many" value={form.contacts} onChange={(v) => set('contacts', v)} error={problemOf('contacts')} />
                  <NumberField
                    label="Entering over"
                    suffix="hours"
                    value={form.entrySpreadHours}
                    onChange={(v) => set('entrySpreadHours', v)}
                    error={problemOf('entrySpreadHours')}
                  />
                </div>
                <p className="field-hint">
                  US numbers spread over the time zones as the population lives (Eastern to Hawaii), so quiet hours bite as they would; each has a first name
                  and a cart item to personalise with.
                </p>
              </>
            ) : (
              <p className="field-hint">Copies of your imported contacts (zones, attributes, MMS capability, consent) are used; the originals are not touched.</p>
            )}
            <div className="field-row">
              <NumberField
                label="Known not to take MMS"
                suffix="%"
                value={form.knownMmsIncapablePercent}
                onChange={(v) => set('knownMmsIncapablePercent', v)}
                hint="Go straight to the SMS fallback"
                error={problemOf('knownMmsIncapablePercent')}
              />
              <NumberField
                label="MMS refused by the handset"
                suffix="%"
                value={form.mmsFailPercent}
                onChange={(v) => set('mmsFailPercent', v)}
                hint="Found out when an MMS fails"
                error={problemOf('mmsFailPercent')}
              />
              <NumberField
                label="Reply STOP"
                suffix="%"
                value={form.stopReplyPercent}
                onChange={(v) => set('stopReplyPercent', v)}
                hint="Per message received"
                error={problemOf('stopReplyPercent')}
              />
            </div>
          </fieldset>

          <fieldset className="simulate-section">
            <legend>What contacts do</legend>
            {form.behaviours.length === 0 ? (
              <p className="field-hint">This flow waits for no event and has no goal event, so there is nothing to set here.</p>
            ) : (
              form.behaviours.map((behaviour, index) => (
                <div key={behaviour.event} className="behaviour-row" role="group" aria-label={`Event ${behaviour.event}`}>
                  <code className="behaviour-name">{behaviour.event}</code>
                  <NumberField
                    label="Chance"
                    suffix="%"
                    value={behaviour.percent}
                    onChange={(v) => set('behaviours', form.behaviours.map((b, i) => (i === index ? { ...b, percent: v } : b)))}
                  />
                  <NumberField
                    label="Within"
                    suffix="hours of entry"
                    value={behaviour.withinHours}
                    onChange={(v) => set('behaviours', form.behaviours.map((b, i) => (i === index ? { ...b, withinHours: v } : b)))}
                  />
                  {problemOf(`behaviour:${behaviour.event}`) ? <p className="field-error">{problemOf(`behaviour:${behaviour.event}`)}</p> : null}
                </div>
              ))
            )}
          </fieldset>


          <fieldset className="simulate-section">
            <legend>What recipients do with a message</legend>
            <div className="field-row">
              <NumberField
                label="Tap the link in an SMS"
                suffix="%"
                value={form.smsClickPercent}
                onChange={(v) => set('smsClickPercent', v)}
                error={problemOf('smsClickPercent')}
              />
              <NumberField
                label="Tap the link in an MMS"
                suffix="%"
                value={form.mmsClickPercent}
                onChange={(v) => set('mmsClickPercent', v)}
                error={problemOf('mmsClickPercent')}
              />
              <NumberField
                label="Reply with a text"
                suffix="%"
                value={form.replyPercent}
                onChange={(v) => set('replyPercent', v)}
                hint="Of messages delivered"
                error={problemOf('replyPercent')}
              />
            </div>
            <div className="field-row">
              <NumberField
                label="Buy after tapping"
                suffix="%"
                value={form.conversionPercent}
                onChange={(v) => set('conversionPercent', v)}
                hint="The goal event, of those who tap"
                error={problemOf('conversionPercent')}
              />
              <NumberField
                label="Order value"
                prefix={currency}
                value={form.orderValue}
                onChange={(v) => set('orderValue', v)}
                hint="About this much per purchase"
                error={problemOf('orderValue')}
              />
            </div>
          </fieldset>

          <fieldset className="simulate-section">
            <legend>Unit prices</legend>
            <div className="field-row">
              <NumberField
                label="SMS, per segment"
                prefix={currency}
                value={form.smsSegmentPrice}
                onChange={(v) => setPrice('smsSegmentPrice', v)}
                error={problemOf('smsSegmentPrice')}
              />
              <NumberField label="MMS, per message" prefix={currency} value={form.mmsPrice} onChange={(v) => setPrice('mmsPrice', v)} error={problemOf('mmsPrice')} />
            </div>
            <p className="field-hint" data-testid="price-table-hint">
              From the workspace price table (Analytics), for destinations it does not name
              {pricedApart.length > 0 ? `; ${pricedApart.join(', ')} at their own prices from the table` : ''}. Edit here to try other prices for this run.
            </p>
          </fieldset>
          {isSubmitted && problems.length > 0 ? (
            <p className="field-error" role="alert">
              Check the {problems.length === 1 ? 'value' : `${problems.length} values`} marked above.
            </p>
          ) : null}
        </div>
        <DialogActions onCancel={onCancel} label="Run simulation" />
      </form>
    </Dialog>
  );
}
