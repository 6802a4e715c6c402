import { useCallback, useEffect, useState } from 'react';
import type { SegmentSummary } from '../../../shared/api/audience';
import { useApi } from '../api/ApiContext';
import { hrefOf } from '../app/useRoute';
import { SelectField } from '../editor/inspector/fields';
import '../styles/segments.css';

/**
 * Picks a saved segment by name (flows refer to segments by name) for the segment_entered
 * trigger and the branch's "In segment" condition: the active segments with their live count, and
 * a name that no longer matches one is said to be a problem.
 */
export function SegmentPicker({ label, value, onChange }: { label: string; value: string; onChange: (name: string) => void }) {
  const api = useApi();
  const [segments, setSegments] = useState<SegmentSummary[] | null>(null);
  const load = useCallback(() => {
    void api.call('segments.list', { includeArchived: true, withCounts: true }).then((result) => {
      if (result.ok) setSegments(result.value);
    });
  }, [api]);
  useEffect(load, [load]);

  const name = value.trim();
  const active = (segments ?? []).filter((s) => s.status === 'active');
  const current = segments?.find((s) => s.name === name || s.id === name);
  const isPickable = current?.status === 'active';
  const options = [
    ...(name === '' ? [{ value: '', label: segments ? 'Choose a segment' : 'Loading segments…' }] : []),
    ...(name !== '' && !isPickable ? [{ value, label: `${name} (${current ? 'archived' : 'not a saved segment'})` }] : []),
    ...active.map((s) => ({ value: s.name, label: s.count === null || s.count === undefined ? s.name : `${s.name} (${s.count.toLocaleString('en-US')} contact${s.count === 1 ? '' : 's'})` })),
  ];
  const problem =
    segments === null || name === '' || isPickable
      ? null
      : current
        ? `“${name}” is archived: flows already published keep it, but publishing again needs an active segment. Pick one.`
        : `“${name}” is not a saved segment (it was renamed or deleted). Pick one from the list.`;
  return (
    <>
      <SelectField label={label} value={isPickable && current ? current.name : value} options={options} onChange={onChange} onEngage={load} />
      {problem ? (
        <p className="field-error segment-pick-problem" role="alert">
          {problem}
        </p>
      ) : null}
      {segments !== null && active.length === 0 ? <p className="field-hint">No active segments yet: save one on the Segments page.</p> : null}
      <p className="segment-pick-links">
        <a href={hrefOf({ name: 'segments', segmentId: isPickable && current ? current.id : null })}>Edit segments</a>
      </p>
    </>
  );
}
