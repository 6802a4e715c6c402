import { useEffect, useState } from 'react';
import type { AnalyticsSettings, WorkspaceAnalytics } from '../../../shared/api/analytics';
import { useApi } from '../api/ApiContext';
import { rangeOfDays, Totals } from './AnalyticsPage';
import '../styles/analytics.css';

/** Every flow's figures side by side, and the settings the figures are priced with. */
export function WorkspaceAnalyticsPage() {
  const api = useApi();
  const [days, setDays] = useState(30);
  const [view, setView] = useState<WorkspaceAnalytics | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let isCurrent = true;
    void api.call('analytics.workspace', { range: rangeOfDays(days) }).then((result) => {
      if (!isCurrent) return;
      if (result.ok) setView(result.value);
      else setError(result.error.message);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, days]);
  return (
    <section className="page analytics" aria-label="Workspace analytics">
      <header className="analytics-header">
        <h1>Analytics</h1>
        <label>
          Time range{' '}
          <select value={days} onChange={(event) => setDays(Number(event.target.value))}>
            <option value={7}>Last 7 days</option>
            <option value={30}>Last 30 days</option>
            <option value={90}>Last 90 days</option>
          </select>
        </label>
      </header>
      {error ? <p role="alert">{error}</p> : null}
      {view ? (
        <>
          <Totals totals={view.totals} currency={view.currency} />
          <p className="muted">{view.conversionsWithoutMessage.toLocaleString('en-US')} goal events in the range followed no message within its flow’s window.</p>
          <table aria-label="Flows">
            <thead>
              <tr>
                <th>Flow</th>
                <th>Sent</th>
                <th>Delivered</th>
                <th>Clicks</th>
                <th>Conversions</th>
                <th>Cost</th>
                <th>Revenue</th>
              </tr>
            </thead>
            <tbody>
              {view.flows.map((flow) => (
                <tr key={flow.flowId}>
                  <td>
                    <a href={`#/flows/${flow.flowId}/analytics`}>{flow.name}</a>
                  </td>
                  <td>{flow.totals.sent.toLocaleString('en-US')}</td>
                  <td>{flow.totals.delivered.toLocaleString('en-US')}</td>
                  <td>{flow.totals.clicks.toLocaleString('en-US')}</td>
                  <td>{flow.totals.conversions.toLocaleString('en-US')}</td>
                  <td>{flow.totals.cost.toFixed(2)}</td>
                  <td>{flow.totals.revenue === null ? 'mixed currencies' : flow.totals.revenue.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <SettingsForm />
    </section>
  );
}

/** Prices (SMS per segment, MMS per message, per country), exchange rates and the link domain. */
function SettingsForm() {
  const api = useApi();
  const [text, setText] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    void api.call('analytics.settings', {}).then((result) => {
      if (result.ok) setText(JSON.stringify(result.value, null, 2));
    });
  }, [api]);
  const save = () => {
    let parsed: AnalyticsSettings;
    try {
      parsed = JSON.parse(text) as AnalyticsSettings;
    } catch {
      setNotice('The settings are not valid JSON.');
      return;
    }
    void api.call('analytics.saveSettings', parsed).then((result) => {
      if (result.ok) {
        setText(JSON.stringify(result.value, null, 2));
        setNotice('Saved. Costs and revenue are recomputed with these prices and rates.');
      } else setNotice(result.error.message);
    });
  };
  return (
    <section aria-label="Prices and rates">
      <h2>Prices, exchange rates, link domain and offline engagement</h2>
      <p className="muted">
        SMS cost per segment and MMS per message, in the table’s currency, with prices per destination country (ISO codes) where they differ. Exchange rates convert revenue in other
        currencies into it; without one, mixed revenue is shown per currency and not added up. Tracked links use the link domain. In offline mode (a live flow that sends through the
        built-in simulator), <code>simulatedEngagement</code> sets how often its recipients tap a tracked link, buy after tapping (at about the order value) and text back; turn
        it off with <code>isEnabled: false</code>. What they do is marked simulated.
      </p>
      <textarea aria-label="Analytics settings (JSON)" rows={14} cols={70} value={text} onChange={(event) => setText(event.target.value)} spellCheck={false} />
      <div>
        <button type="button" onClick={save}>
          Save settings
        </button>
        {notice ? <span role="status"> {notice}</span> : null}
      </div>
    </section>
  );
}
