import { lazy, Suspense } from 'react';
import type { SeriesPoint } from '../../../shared/api/analytics';
import { toCsv } from '../../../shared/analytics/csv';

/** The daily series as charts and as a CSV download: the flow's view and the workspace overview show the same. */

// The charting library comes with the charts, not with the page (nor the canvas).
const SeriesCharts = lazy(() => import('./SeriesCharts').then((m) => ({ default: m.SeriesCharts })));

export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

const DAILY_COLUMNS = ['day', 'sent', 'delivered', 'failed', 'clicks', 'conversions', 'optOuts', 'revenue', 'cost'] as const satisfies ReadonlyArray<keyof SeriesPoint>;

export function ExportDailyButton({ fileName, series }: { fileName: string; series: SeriesPoint[] }) {
  return (
    <button type="button" onClick={() => download(fileName, toCsv([...DAILY_COLUMNS], series as unknown as Array<Record<string, unknown>>))}>
      Export daily figures (CSV)
    </button>
  );
}

export function DailyCharts({ series }: { series: SeriesPoint[] }) {
  return (
    <Suspense fallback={<p className="muted">Drawing the charts…</p>}>
      <SeriesCharts series={series} />
    </Suspense>
  );
}
