import { useCallback, useEffect, useState } from 'react';
import type { PriceTable } from '../../../shared/analytics/money';
import type { AnalyticsSettings, WorkspaceAnalytics } from '../../../shared/api/analytics';
import { useApi } from '../api/ApiContext';
import { rangeOfDays, Totals } from './AnalyticsPage';
import { DailyCharts, ExportDailyButton } from './DailyFigures';
import { PriceTableForm } from './PriceTableForm';
import '../styles/analytics.css';

/** Every flow's figures side by side, and the settings the figures are priced with. */
export function WorkspaceAnalyticsPage() {
  const api = useApi();
  const [days, setDays] = useState(30);
  const [view, setView] = useState<WorkspaceAnalytics | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Saving prices reads the figures again, priced anew.
  const [pricing, setPricing] = useState(0);
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
  }, [api, days, pricing]);
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
        {view ? <ExportDailyButton fileName="workspace-daily.csv" series={view.series} /> : null}
      </header>
      {error ? <p role="alert">{error}</p> : null}
      {view ? (
        <>
          <Totals totals={view.totals} currency={view.currency} />
          <DailyCharts series={view.series} />
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
      <SettingsForms onPricesSaved={() => setPricing((n) => n + 1)} />
    </section>
  );
}

/**
 * The settings the figures are priced with: the price table as a form, and the rest (exchange
 * rates, link domain, offline engagement) as JSON. Each saves the whole settings with its part changed.
 */
function SettingsForms({ onPricesSaved }: { onPricesSaved: () => void }) {
  const api = useApi();
  const [settings, setSettings] = useState<AnalyticsSettings | null>(null);
  useEffect(() => {
    void api.call('analytics.settings', {}).then((result) => {
      if (result.ok) setSettings(result.value);
    });
  }, [api]);
  const save = useCallback(
    async (next: AnalyticsSettings): Promise<string | null> => {
      const result = await api.call('analytics.saveSettings', next);
      if (!result.ok) return result.error.message;
      setSettings(result.value);
      return null;
    },
    [api],
  );
  if (!settings) return null;
  const savePrices = async (prices: PriceTable): Promise<string | null> => {
    const error = await save({ ...settings, prices });
    if (!error) onPricesSaved();
    return error;
  };
  return (
    <>
      <PriceTableForm table={settings.prices} onSave={savePrices} />
      <OtherSettingsForm settings={settings} onSave={save} />
    </>
  );
}

type OtherSettings = Omit<AnalyticsSettings, 'prices'>;

/** Exchange rates, the link domain and offline engagement. */
function OtherSettingsForm({ settings, onSave }: { settings: AnalyticsSettings; onSave: (next: AnalyticsSettings) => Promise<string | null> }) {
  const others = ({ prices: _prices, ...rest }: AnalyticsSettings): OtherSettings => rest;
  const [text, setText] = useState(() => JSON.stringify(others(settings), null, 2));
  const [notice, setNotice] = useState<string | null>(null);
  const save = () => {
    let parsed: OtherSettings;
    try {
      parsed = JSON.parse(text) as OtherSettings;
    } catch {
      setNotice('The settings are not valid JSON.');
      return;
    }
    void onSave({ ...parsed, prices: settings.prices }).then((error) => setNotice(error ?? 'Saved. Revenue is recomputed with these rates.'));
  };
  return (
    <section aria-label="Exchange rates and links">
      <h2>Exchange rates, link domain and offline engagement</h2>
      <p className="muted">
        Exchange rates convert revenue in other currencies into the prices’ currency; without one, mixed revenue is shown per currency and not added up. Tracked links use the
        link domain. In offline mode (a live flow that sends through the built-in simulator), <code>simulatedEngagement</code> sets how often its recipients tap a tracked link,
        buy after tapping (at about the order value) and text back; turn it off with <code>isEnabled: false</code>. What they do is marked simulated.
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
