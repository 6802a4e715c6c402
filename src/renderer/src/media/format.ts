import type { MediaAssetSummary } from '../../../shared/api/media';
import { formatBytes } from '../../../shared/media/meter';
import type { ImportOutcome } from './mediaLibrary';
import { showToast } from './toasts';

/** Short facts for a library card or a media slot: "JPEG · 1200×800 · 340 KB". */
export function assetFacts(asset: MediaAssetSummary): string {
  return `${asset.format.toUpperCase()} · ${asset.width}×${asset.height} · ${formatBytes(asset.bytes)}`;
}

export function kindBadge(asset: MediaAssetSummary): string | null {
  if (asset.kind === 'animation') return `Animated · ${asset.frames} frames`;
  if (asset.kind === 'video') return asset.durationMs ? `Video · ${(asset.durationMs / 1000).toFixed(1)} s` : 'Video';
  return null;
}

/** Refusals each get a toast naming the file, the problem and its code; successes are summed up. */
export function announceImports(outcomes: readonly ImportOutcome[]): void {
  for (const outcome of outcomes) {
    if (!outcome.ok) showToast({ kind: 'error', title: `${outcome.name} was not imported`, message: outcome.error.message, code: outcome.error.code });
  }
  const imported = outcomes.filter((outcome) => outcome.ok);
  if (imported.length === 0) return;
  const fresh = imported.filter((outcome) => outcome.ok && outcome.value.isNew).length;
  const again = imported.length - fresh;
  showToast({
    kind: 'success',
    title: imported.length === 1 ? `${imported[0]?.name} imported` : `${imported.length} files imported`,
    ...(again > 0 ? { message: `${again === 1 ? 'One was' : `${again} were`} already in the library.` } : {}),
  });
}
