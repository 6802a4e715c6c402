import { createHash } from 'node:crypto';
import { DEFAULT_BACKGROUND, type ProfileId, type TargetProfile } from '../../shared/media/profiles';
import type { OutputMime } from '../../shared/media/types';
import { PIPELINE_VERSION } from './limits';

/** What one rendition must satisfy; a profile is one source of these, the CLI's flags another. */
export interface RenditionTarget {
  maxBytes: number;
  maxWidth: number;
  maxHeight: number;
  maxVideoWidth: number;
  accepts: readonly OutputMime[];
  allowsTransparency: boolean;
  allowsAnimation: boolean;
  /** Where transparency is not allowed, pixels are flattened onto this (never onto black by accident). */
  background: string;
}

export { DEFAULT_BACKGROUND };

export function targetFromProfile(profile: TargetProfile, background: string = DEFAULT_BACKGROUND): RenditionTarget {
  return {
    maxBytes: profile.budgetBytes,
    maxWidth: profile.maxImageEdge,
    maxHeight: profile.maxImageEdge,
    maxVideoWidth: profile.maxVideoWidth,
    accepts: profile.accepts,
    allowsTransparency: profile.allowsTransparency,
    allowsAnimation: profile.allowsAnimation,
    background,
  };
}

/**
 * The cache key of a rendition: the profile (for people reading the table), the pipeline
 * version, and a digest of the exact target, so a changed budget or background renders anew.
 */
export function targetKey(target: RenditionTarget, profileId: ProfileId | null): string {
  const digest = createHash('sha256').update(JSON.stringify(target)).digest('hex').slice(0, 12);
  return `${profileId ?? 'custom'}.v${PIPELINE_VERSION}.${digest}`;
}

/** The largest size inside the box with the original's aspect ratio, never larger than the original. */
export function fitInside(width: number, height: number, maxWidth: number, maxHeight: number): { width: number; height: number } {
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
