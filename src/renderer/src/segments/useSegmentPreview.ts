import { useEffect, useMemo, useState } from 'react';
import type { SegmentPreview } from '../../../shared/api/audience';
import type { SegmentDefinition } from '../../../shared/audience/segment';
import { useApi } from '../api/ApiContext';
import { incompleteRules, type RuleProblem } from './ruleEditing';

/** How long typing pauses before the count is asked again. */
const PREVIEW_DELAY_MS = 300;
const SAMPLE_SIZE = 5;

export type PreviewState =
  | { state: 'incomplete'; problems: RuleProblem[] }
  | { state: 'counting'; last: SegmentPreview | null }
  | { state: 'counted'; preview: SegmentPreview }
  | { state: 'failed'; message: string };

/**
 * The live count and sample of a definition being edited: rules not filled in yet are said at
 * once, without asking; otherwise the server counts once typing pauses. `catalogVersion` asks
 * again when the declared attributes change.
 */
export function useSegmentPreview(definition: SegmentDefinition, catalogVersion: number): PreviewState {
  const api = useApi();
  const key = JSON.stringify(definition);
  const incomplete = useMemo(() => incompleteRules(JSON.parse(key) as SegmentDefinition), [key]);
  const [answer, setAnswer] = useState<{ key: string; preview: SegmentPreview } | { key: string; message: string } | null>(null);

  useEffect(() => {
    if (incomplete.length > 0) return undefined;
    let isCurrent = true;
    const timer = setTimeout(() => {
      void api.call('segments.preview', { definition: JSON.parse(key) as SegmentDefinition, sampleSize: SAMPLE_SIZE }).then((result) => {
        if (!isCurrent) return;
        const asked = `${catalogVersion}|${key}`;
        setAnswer(result.ok ? { key: asked, preview: result.value } : { key: asked, message: result.error.message });
      });
    }, PREVIEW_DELAY_MS);
    return () => {
      isCurrent = false;
      clearTimeout(timer);
    };
  }, [api, key, incomplete, catalogVersion]);

  if (incomplete.length > 0) return { state: 'incomplete', problems: incomplete };
  if (answer?.key === `${catalogVersion}|${key}`) return 'preview' in answer ? { state: 'counted', preview: answer.preview } : { state: 'failed', message: answer.message };
  return { state: 'counting', last: answer && 'preview' in answer ? answer.preview : null };
}
