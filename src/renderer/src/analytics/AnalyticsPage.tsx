import { useEffect, useState } from 'react';
import type { RateEstimate } from '../../../shared/analytics/statistics';
import type { AutoWinnerStatus, FlowAnalytics, FlowHistory, MetricTotals, SplitAnalytics, TimeRange } from '../../../shared/api/analytics';
import type { SimulationResult } from '../../../shared/engine/types';
import { toCsv } from '../../../shared/analytics/csv';
import { useApi } from '../api/ApiContext';
import { DailyCharts, download, ExportDailyButton } from './DailyFigures';
import { EFFECTS, RANGE_DAYS, useMinimumEffect, useRangeDays } from './analyticsChoices';
import '../styles/analytics.css';

/**
 * A flow's analytics: the figures over a time range, each A/B split's statistics and verdict
 * (against the holdout, or MMS against SMS in one click), and CSV downloads of the per-message
 * results and of the daily series.
 */

const DAY = 86_400_000;

export function rangeOfDays(days: number): TimeRange {
  const to = Math.ceil(Date.now() / DAY) * DAY;
  return { from: new Date(to - days * DAY).toISOString(), to: new Date(to).toISOString() };
}

export const number = (value: number | null, digits = 0): string => (value === null ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const percent = (value: number | null): string => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);
/** A probability: never shown as a certain 0 % or 100 %. */
const chance = (value: number | null): string => (value === null ? '—' : value > 0.999 ? '>99.9 %' : value < 0.001 ? '<0.1 %' : percent(value));

export function AnalyticsPage({ flowId }: { flowId: string }) {
  const api = useApi();
  const [days, setDays] = useRangeDays(flowId);
  const [view, setView] = useState<FlowAnalytics | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<FlowHistory | null>(null);
  const range = rangeOfDays(days);
  useEffect(() => {
    let isCurrent = true;
    void api.call('analytics.history', { flowId }).then((result) => {
      if (isCurrent && result.ok) setHistory(result.value);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, flowId]);
  useEffect(() => {
    let isCurrent = true;
    void api.call('analytics.flow', { flowId, range: rangeOfDays(days) }).then((result) => {
      if (!isCurrent) return;
      if (result.ok) {
        setView(result.value);
        setError(null);
      } else setError(result.error.message);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, flowId, days]);

  return (
    <section className="page analytics" aria-label="Analytics">
      <header className="analytics-header">
        <h1>Analytics{view ? `: ${view.name}` : ''}</h1>
        <a href={`#/flows/${flowId}`}>Back to the flow</a>
        <label>
          Time range{' '}
          <select value={days} onChange={(event) => setDays(Number(event.target.value))}>
            {RANGE_DAYS.map((d) => (
              <option key={d} value={d}>
                Last {d} days
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() => {
            void api.call('analytics.exportMessages', { flowId, range }).then((result) => {
              if (result.ok) download(`${flowId}-messages.csv`, result.value.csv);
              else setError(result.error.message);
            });
          }}
        >
          Export messages (CSV)
        </button>
        {view ? <ExportDailyButton fileName={`${flowId}-daily.csv`} series={view.series} /> : null}
      </header>
      {error ? <p role="alert">{error}</p> : null}
      {view ? (
        <>
          <Totals totals={view.totals} currency={view.currency} />
          <DailyCharts series={view.series} />
          <p className="muted">
            Conversions: the goal event {view.goalEvent ? `“${view.goalEvent}”` : '(none set in flow settings)'} within {view.attributionDays} days after a message, credited to the latest message
            before it (last touch).
          </p>
          {view.failuresByReason.length > 0 ? (
            <table aria-label="Failures by reason">
              <thead>
                <tr>
                  <th>Failure reason</th>
                  <th>Messages</th>
                </tr>
              </thead>
              <tbody>
                {view.failuresByReason.map((row) => (
                  <tr key={row.reason}>
                    <td>{row.reason}</td>
                    <td>{number(row.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {view.optOutCauses.length > 0 ? (
            <table aria-label="Opt-outs by message">
              <thead>
                <tr>
                  <th>Message that preceded the opt-out</th>
                  <th>Opt-outs</th>
                </tr>
              </thead>
              <tbody>
                {view.optOutCauses.map((row) => (
                  <tr key={row.nodeId ?? 'none'}>
                    <td>{row.body ?? 'No message in the 7 days before'}</td>
                    <td>{number(row.optOuts)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {view.splits.map((split) => (
            <SplitPanel
              key={split.nodeId}
              flowId={flowId}
              splitNodeId={split.nodeId}
              range={range}
              autoWinner={history?.autoWinners.find((a) => a.splitNodeId === split.nodeId) ?? null}
            />
          ))}
          {history ? <VersionHistory history={history} /> : null}
          <Forecast flowId={flowId} />
        </>
      ) : error ? null : (
        <p className="muted">Loading…</p>
      )}
    </section>
  );
}

export function Totals({ totals, currency }: { totals: MetricTotals; currency: string }) {
  const money = (value: number | null) => (value === null ? '—' : `${number(value, 2)} ${currency}`);
  const rows: Array<[string, string]> = [
    ['Sent', number(totals.sent)],
    ['Delivered', `${number(totals.delivered)} (${percent(totals.sent ? totals.delivered / totals.sent : null)})`],
    ['Failed', number(totals.failed)],
    ['Fell back to SMS', number(totals.fellBack)],
    ['Opt-outs', number(totals.optOuts)],
    ['Clicks (unique / total)', `${number(totals.uniqueClicks)} / ${number(totals.clicks)}`],
    ['Link previews (not counted)', number(totals.previewFetches)],
    ['Replies', number(totals.replies)],
    ['Conversions', number(totals.conversions)],
    ['Revenue', totals.revenueProblem ?? money(totals.revenue)],
    ['Revenue per message', money(totals.revenuePerMessage)],
    ['Cost', money(totals.cost)],
    ['ROI', totals.roi === null ? '—' : `${(totals.roi * 100).toFixed(0)} %`],
  ];
  return (
    <dl className="analytics-totals" aria-label="Totals">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A rate over its 95 % interval; a dash where the arm had nothing to count (a holdout is sent nothing). */
function RateCell({ estimate }: { estimate: RateEstimate }) {
  if (estimate.rate === null) return <td>—</td>;
  return (
    <td className="analytics-rate">
      {percent(estimate.rate)}
      <small>
        {percent(estimate.low)}–{percent(estimate.high)}
      </small>
    </td>
  );
}

function SplitPanel({ flowId, splitNodeId, range, autoWinner }: { flowId: string; splitNodeId: string; range: TimeRange; autoWinner: AutoWinnerStatus | null }) {
  const api = useApi();
  const [controlId, setControlId] = useState<string | undefined>(undefined);
  const [effect, setEffect] = useMinimumEffect(flowId, splitNodeId);
  const [split, setSplit] = useState<SplitAnalytics | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { from, to } = range;
  useEffect(() => {
    let isCurrent = true;
    void api.call('analytics.split', { flowId, splitNodeId, range: { from, to }, minimumDetectableEffect: effect, ...(controlId ? { controlId } : {}) }).then((result) => {
      if (!isCurrent) return;
      if (result.ok) setSplit(result.value);
      else setError(result.error.message);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, flowId, splitNodeId, from, to, controlId, effect]);
  if (error) return <p role="alert">{error}</p>;
  if (!split) return null;
  const { holdoutId, smsArmId, mmsArmId } = split.comparisons;
  return (
    <section className="analytics-split" aria-label={`Split ${split.label}`}>
      <h2>{split.label}</h2>
      <p className="analytics-verdict" aria-label="Verdict">
        {split.verdict}
      </p>
      {autoWinner ? (
        <p className="analytics-auto-winner" role="status" aria-label={`Auto-winner of ${split.label}`}>
          {autoWinner.note}
        </p>
      ) : null}
      <div className="analytics-compare">
        {holdoutId ? (
          <button type="button" aria-pressed={split.controlId === holdoutId} onClick={() => setControlId(holdoutId)}>
            Lift against the holdout
          </button>
        ) : null}
        {smsArmId && mmsArmId ? (
          <button type="button" aria-pressed={split.controlId === smsArmId} onClick={() => setControlId(smsArmId)}>
            MMS vs SMS
          </button>
        ) : null}
      </div>
      <table aria-label={`Arms of ${split.label}`} className="analytics-arms">
        <thead>
          <tr>
            <th>Arm</th>
            <th>Contacts</th>
            <th>Delivery rate</th>
            <th>Click-through rate</th>
            <th>Opt-out rate</th>
            <th>Conversion rate</th>
            <th>Chance to beat control</th>
            <th>Revenue per message</th>
            <th>Cost</th>
          </tr>
        </thead>
        <tbody>
          {split.arms.map((arm) => (
            <tr key={arm.id}>
              <th scope="row">
                {arm.label}
                {arm.isControl ? ' (control)' : ''}
              </th>
              <td>{number(arm.contacts)}</td>
              <RateCell estimate={arm.rates.delivery} />
              <RateCell estimate={arm.rates.clickThrough} />
              <RateCell estimate={arm.rates.optOut} />
              <RateCell estimate={arm.rates.conversion} />
              <td>{arm.isControl ? '—' : chance(arm.probabilityToBeatControl)}</td>
              <td>{number(arm.metrics.revenuePerMessage, 2)}</td>
              <td>{number(arm.metrics.cost, 2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted analytics-table-note">Under each rate, its 95 % interval (the range the true rate lies in with 95 % probability, from a beta-binomial model).</p>
      <div className="analytics-sample-size">
        <label>
          Smallest lift worth detecting{' '}
          <select value={effect} onChange={(event) => setEffect(Number(event.target.value))}>
            {EFFECTS.map((e) => (
              <option key={e} value={e}>
                {Math.round(e * 100)} %
              </option>
            ))}
          </select>
        </label>{' '}
        <span role="status" aria-label={`Sample size for ${split.label}`}>
          {split.sampleSizeRemaining === null
            ? 'The sample size needed cannot be estimated yet: the control has no conversions (or this lift would take its rate past 100 %).'
            : split.sampleSizeRemaining > 0
              ? `${number(split.sampleSizeRemaining)} more contacts per variant needed to detect a ${Math.round(split.minimumDetectableEffect * 100)} % lift (${number(split.sampleSizeNeeded)} each in all; 95 % confidence, 80 % power).`
              : `Enough contacts to detect a ${Math.round(split.minimumDetectableEffect * 100)} % lift (${number(split.sampleSizeNeeded)} per variant needed).`}
        </span>
      </div>
    </section>
  );
}

/** Published versions, newest first; the ones the runner made say why. */
function VersionHistory({ history }: { history: FlowHistory }) {
  if (history.versions.length === 0) return null;
  return (
    <section className="analytics-history" aria-label="Version history">
      <h2>Version history</h2>
      <ol>
        {history.versions.map((v) => (
          <li key={v.version}>
            <strong>Version {v.version}</strong> <time dateTime={v.publishedAt}>{new Date(v.publishedAt).toLocaleString()}</time>
            <span className="muted"> — {v.note ?? 'Published'}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

const FORECAST_OPTIONS = { contacts: 2000, days: 7, seed: 1 };

/** A dry-run of the flow's draft: the simulator's clicks, purchases and replies, so every figure can be tried before sending. */
function Forecast({ flowId }: { flowId: string }) {
  const api = useApi();
  const [result, setResult] = useState<SimulationResult | null>(null);
  const [isRunning, setIsRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = () => {
    setIsRunning(true);
    void api.call('engine.simulate', { flowId, options: FORECAST_OPTIONS }).then((answer) => {
      setIsRunning(false);
      if (answer.ok) {
        setResult(answer.value);
        setError(null);
      } else setError(answer.error.message);
    });
  };
  const rows = result
    ? Object.entries(result.nodeMetrics).map(([nodeId, m]) => ({ nodeId, sent: result.nodeCounts[nodeId]?.sent ?? 0, ...m }))
    : [];
  return (
    <section className="analytics-forecast" aria-label="Forecast">
      <h2>Forecast</h2>
      <p className="muted">
        Simulates {FORECAST_OPTIONS.contacts.toLocaleString('en-US')} contacts over {FORECAST_OPTIONS.days} days with the flow as drafted (seed {FORECAST_OPTIONS.seed}); nothing is sent.
      </p>
      <button type="button" disabled={isRunning} onClick={run}>
        {isRunning ? 'Simulating…' : 'Simulate a forecast'}
      </button>
      {error ? <p role="alert">{error}</p> : null}
      {result ? (
        <>
          {result.splits.map((split) => (
            <div key={split.nodeId}>
              <p className="analytics-verdict" aria-label={`Forecast verdict for ${split.nodeId}`}>
                {split.verdict}
              </p>
              <table aria-label={`Forecast arms of ${split.nodeId}`}>
                <thead>
                  <tr>
                    <th>Arm</th>
                    <th>Contacts</th>
                    <th>Conversions</th>
                    <th>Chance to beat control</th>
                    <th>Clicks</th>
                    <th>Revenue</th>
                    <th>Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {split.variants.map((v) => (
                    <tr key={v.id}>
                      <td>
                        {v.label}
                        {v.id === split.controlId ? ' (control)' : ''}
                      </td>
                      <td>{number(v.contacts)}</td>
                      <td>{number(v.armConversions)}</td>
                      <td>{v.id === split.controlId ? '—' : chance(v.probabilityToBeatControl)}</td>
                      <td>{number(v.clicks)}</td>
                      <td>{number(v.revenue, 2)}</td>
                      <td>{number(v.cost, 2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
          <button type="button" onClick={() => download(`${flowId}-forecast.csv`, toCsv(['nodeId', 'sent', 'clicks', 'conversions', 'revenue', 'cost'], rows))}>
            Export forecast (CSV)
          </button>
        </>
      ) : null}
    </section>
  );
}
