import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { SeriesPoint } from '../../../shared/api/analytics';

/**
 * The daily figures as line charts. recharts: declarative React components over D3's scales,
 * widely used and maintained, accessible (keyboard tooltips with accessibilityLayer) and small
 * enough when loaded only with this view; the analytics page loads this module lazily, so
 * opening a flow's canvas never pays for it.
 */

interface ChartSpec {
  title: string;
  lines: Array<{ key: keyof SeriesPoint; label: string; color: string }>;
}

const charts: ChartSpec[] = [
  {
    title: 'Messages per day',
    lines: [
      { key: 'sent', label: 'Sent', color: '#4f46e5' },
      { key: 'delivered', label: 'Delivered', color: '#059669' },
      { key: 'failed', label: 'Failed', color: '#dc2626' },
    ],
  },
  {
    title: 'Engagement per day',
    lines: [
      { key: 'clicks', label: 'Clicks', color: '#0891b2' },
      { key: 'conversions', label: 'Conversions', color: '#7c3aed' },
      { key: 'optOuts', label: 'Opt-outs', color: '#ea580c' },
    ],
  },
  {
    title: 'Revenue and cost per day',
    lines: [
      { key: 'revenue', label: 'Revenue', color: '#16a34a' },
      { key: 'cost', label: 'Cost', color: '#9ca3af' },
    ],
  },
];

export function SeriesCharts({ series }: { series: SeriesPoint[] }) {
  return (
    <div className="analytics-charts">
      {charts.map((chart) => (
        <figure key={chart.title} className="analytics-chart-figure" aria-label={chart.title}>
          <figcaption>{chart.title}</figcaption>
          <div className="analytics-chart">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={series} accessibilityLayer margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
                <XAxis dataKey="day" fontSize={11} />
                <YAxis fontSize={11} allowDecimals={chart.title.startsWith('Revenue')} />
                <Tooltip />
                <Legend />
                {chart.lines.map((line) => (
                  <Line key={line.key} type="monotone" dataKey={line.key} name={line.label} stroke={line.color} dot={false} isAnimationActive={false} />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
        </figure>
      ))}
    </div>
  );
}
