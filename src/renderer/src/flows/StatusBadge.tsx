import type { FlowStatus } from '../../../shared/flow/settings';

const labels: Record<FlowStatus, string> = { draft: 'Draft', live: 'Live', paused: 'Paused', archived: 'Archived' };

export function StatusBadge({
  status,
  hasUnpublishedChanges,
  latestVersion,
}: {
  status: FlowStatus;
  hasUnpublishedChanges: boolean;
  latestVersion: number | null;
}) {
  return (
    <span className="status">
      <span className={`badge badge-${status}`}>{labels[status]}</span>
      {latestVersion !== null ? <span className="status-version">v{latestVersion}</span> : null}
      {latestVersion !== null && hasUnpublishedChanges ? <span className="status-note">edited</span> : null}
    </span>
  );
}
