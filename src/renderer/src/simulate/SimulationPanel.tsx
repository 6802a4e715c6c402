import { useMemo } from 'react';
import { definitionOf } from '../../../shared/graph/nodes';
import type { SimulationResult } from '../../../shared/engine/types';
import { useApi } from '../api/ApiContext';
import { TimelineView, type TimelineNames } from '../contacts/TimelineView';
import { formatInstant } from '../contacts/timeFormat';
import { useFlowEditor, useFlowStore } from '../editor/store/FlowEditorContext';
import { useOperations, useOperationsStore } from '../live/OperationsContext';
import { setSimulation, type SimulationRun } from '../live/operationsStore';
import { CloseIcon, ErrorIcon } from '../ui/icons';
import { cancelSimulation, runSimulation } from './runSimulation';

const integer = new Intl.NumberFormat('en-US');
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
const money = (value: number, currency: string, digits = 2): string =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);

/**
 * The latest dry-run beside the canvas: what was simulated, the totals a marketer plans with,
 * an estimated cost, and a few contacts' journeys step by step in their own time zones.
 */
export function SimulationPanel() {
  const api = useApi();
  const operations = useOperationsStore();
  const isOpen = useOperations((s) => s.isSimulationPanelOpen);
  const status = useOperations((s) => s.simulationStatus);
  const simulation = useOperations((s) => s.simulation);
  const isStale = useFlowStore((s) => simulation !== null && s.graph !== simulation.graph);
  if (!isOpen) return null;

  const close = (): void => operations.setState({ isSimulationPanelOpen: false });
  return (
    <section className="simulation-panel" aria-label="Simulation results">
      <header className="simulation-panel-header">
        <h2 className="panel-title">Simulation</h2>
        <span className="badge badge-simulated">Simulated</span>
        <button type="button" className="icon-button" aria-label="Hide simulation results" title="Hide (the counts stay on the canvas)" onClick={close}>
          <CloseIcon />
        </button>
      </header>
      <div className="simulation-panel-body">
        {status.state === 'running' ? (
          <div className="simulation-running">
            <p role="status">
              <span className="spinner" aria-hidden="true" />
              Simulating {status.contacts === 'imported' ? 'the imported contacts' : `${integer.format(status.contacts)} contacts`} over {status.days}{' '}
              {status.days === 1 ? 'day' : 'days'}… You can keep editing meanwhile.
            </p>
            <div className="simulation-progress">
              <progress max={1} value={status.progress} aria-label="Simulation progress" />
              <span data-testid="simulation-progress">{percent.format(status.progress)}</span>
              <button type="button" className="button" onClick={() => void cancelSimulation(api, operations)}>
                Cancel
              </button>
            </div>
          </div>
        ) : null}
        {status.state === 'cancelled' ? (
          <p className="muted" role="status">
            The simulation was cancelled.
          </p>
        ) : null}
        {status.state === 'error' ? (
          <div className="callout callout-error" role="alert">
            <ErrorIcon />
            <span>
              {status.code === 'FLOW_INVALID' ? 'The flow cannot be simulated: ' : 'The simulation failed: '}
              {status.message}
            </span>
          </div>
        ) : null}
        {simulation ? <SimulationSummary simulation={simulation} isStale={isStale} isRunning={status.state === 'running'} /> : null}
        {!simulation && status.state === 'idle' ? <p className="muted">No simulation yet. Press Simulate in the toolbar.</p> : null}
      </div>
    </section>
  );
}

function SimulationSummary({ simulation, isStale, isRunning }: { simulation: SimulationRun; isStale: boolean; isRunning: boolean }) {
  const api = useApi();
  const editor = useFlowEditor();
  const operations = useOperationsStore();
  const nodes = useFlowStore((s) => s.graph.nodes);
  const flowName = useFlowStore((s) => s.meta.name);
  const { result } = simulation;
  const names = useMemo<TimelineNames>(() => {
    const labels = new Map(nodes.map((n) => [n.id as string, n.label?.trim() || definitionOf(n.kind).label]));
    return { isSimulated: true, flowName: () => flowName, nodeLabel: (_flowId, nodeId) => labels.get(nodeId) ?? 'a removed step' };
  }, [nodes, flowName]);

  const rerun = (): void => void runSimulation(api, editor, operations, simulation.options, simulation.contactSource);
  const clear = (): void => {
    setSimulation(operations, null);
    operations.setState({ isSimulationPanelOpen: false, simulationStatus: { state: 'idle' } });
  };

  return (
    <>
      <p className="simulation-what">
        <strong>Seed {result.seed}</strong> · {integer.format(result.totals.contacts)} {simulation.contactSource === 'imported' ? 'imported' : 'synthetic'}{' '}
        contacts · {result.days} {result.days === 1 ? 'day' : 'days'} of virtual time from {formatInstant(result.startAt)}
      </p>
      {isStale ? (
        <p className="simulation-stale" role="note">
          The flow has changed since this run; run it again to update the figures.
        </p>
      ) : null}
      <div className="simulation-actions">
        <button type="button" className="button button-small" onClick={rerun} disabled={isRunning}>
          Run again (same seed)
        </button>
        <button type="button" className="button button-small" onClick={clear} disabled={isRunning}>
          Clear from canvas
        </button>
      </div>
      {result.totals.mmsFailedWithoutFallback > 0 ? (
        <p className="simulation-warning" role="alert">
          {integer.format(result.totals.mmsFailedWithoutFallback)} MMS failed without falling back to SMS: the carrier’s error did not say the phone
          takes no MMS, so those contacts went on by “Sent” without having received the message.
        </p>
      ) : null}
      <Totals result={result} />
      <h3 className="simulation-heading">Sample journeys</h3>
      {result.sampleTimelines.length === 0 ? <p className="muted">No sample contacts in this run.</p> : null}
      {result.sampleTimelines.map((timeline) => (
        <details key={timeline.contact.id} className="sample-timeline">
          <summary>
            <span className="sample-phone">{timeline.contact.phone}</span>
            <span className="muted">
              {String(timeline.contact.attributes.first_name ?? '')} · {timeline.contact.timeZone ?? 'zone unknown'}
            </span>
          </summary>
          <TimelineView timeline={timeline} names={names} isViewerTimeShown={false} label={`Journey of ${timeline.contact.phone}`} />
        </details>
      ))}
    </>
  );
}

function Totals({ result }: { result: SimulationResult }) {
  const { totals, cost } = result;
  const engagement = Object.values(result.nodeMetrics).reduce(
    (sum, node) => ({ clicks: sum.clicks + node.clicks, conversions: sum.conversions + node.conversions, revenue: sum.revenue + node.revenue }),
    { clicks: 0, conversions: 0, revenue: 0 },
  );
  const rows: Array<[string, string, string?]> = [
    ['Contacts entered', integer.format(totals.enrolled)],
    ['MMS sent', integer.format(totals.messagesByChannel.mms)],
    ['SMS sent', `${integer.format(totals.messagesByChannel.sms)}`, `${integer.format(totals.smsSegments)} ${totals.smsSegments === 1 ? 'segment' : 'segments'}`],
    ['Delivered', integer.format(totals.delivered)],
    ['Failed or undelivered', integer.format(totals.failed)],
    ['Fallback rate', percent.format(totals.fallbackRate), `${integer.format(totals.fellBack)} MMS ${totals.fellBack === 1 ? 'step' : 'steps'} took the SMS fallback`],
    ['Quiet-hours deferrals', integer.format(totals.quietHoursDeferrals), 'sends held until the window opened'],
    ['Frequency-cap skips', integer.format(totals.capSkips)],
    ['Opt-outs', integer.format(totals.optOuts)],
    ['Link taps', integer.format(engagement.clicks), 'at the rates the run was given'],
    ['Conversions', integer.format(engagement.conversions), `${money(engagement.revenue, cost.currency)} revenue`],
  ];
  const exits = Object.entries(totals.exits);
  const countries = Object.keys(cost.byCountry).sort();

  return (
    <>
      <dl className="simulation-totals">
        {rows.map(([term, value, note]) => (
          <div key={term} className="simulation-total">
            <dt>{term}</dt>
            <dd>
              {value}
              {note ? <span className="simulation-note">{note}</span> : null}
            </dd>
          </div>
        ))}
        {exits.length > 0 ? (
          <div className="simulation-total">
            <dt>Left the flow</dt>
            <dd>
              {exits.map(([reason, n]) => (
                <span key={reason} className="simulation-exit">
                  {integer.format(n)} {reason.replace(/_/g, ' ')}
                </span>
              ))}
            </dd>
          </div>
        ) : null}
      </dl>
      <h3 className="simulation-heading">Estimated cost</h3>
      <dl className="simulation-totals simulation-cost">
        <div className="simulation-total">
          <dt>MMS</dt>
          <dd>
            {money(cost.mms, cost.currency)}
            <span className="simulation-note">
              {integer.format(totals.messagesByChannel.mms)} × {money(cost.mmsPrice, cost.currency, 4)}
            </span>
          </dd>
        </div>
        <div className="simulation-total">
          <dt>SMS</dt>
          <dd>
            {money(cost.sms, cost.currency)}
            <span className="simulation-note">
              {integer.format(totals.smsSegments)} segments × {money(cost.smsSegmentPrice, cost.currency, 4)}
            </span>
          </dd>
        </div>
        <div className="simulation-total is-total">
          <dt>Total</dt>
          <dd>{money(cost.total, cost.currency)}</dd>
        </div>
      </dl>
      <p className="field-hint" data-testid="cost-basis">
        An estimate at the workspace price table: the prices above{countries.length > 0 ? `, and the table’s own for numbers in ${countries.join(', ')}` : ''};
        carrier surcharges and taxes are not included.
      </p>
    </>
  );
}
