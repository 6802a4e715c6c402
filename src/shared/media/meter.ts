import { targetProfiles, type ProfileId, type ProfileKind, type TargetProfile } from './profiles';
import type { OutputMime } from './types';

/** One row of the size meter: a file's bytes against one profile's budget. */
export interface SizeMeterEntry {
  profileId: ProfileId;
  label: string;
  kind: ProfileKind;
  budgetBytes: number;
  /** Null until a rendition for this profile exists. */
  bytes: number | null;
  mime: OutputMime | null;
  /** Under the budget and a type the profile accepts; null when there is nothing to judge yet. */
  passes: boolean | null;
}

export interface MeteredFile {
  bytes: number;
  mime: OutputMime;
}

export const fitsProfile = (file: MeteredFile, profile: TargetProfile): boolean =>
  file.bytes <= profile.budgetBytes && profile.accepts.includes(file.mime);

/** Each profile judged on its own rendition (missing renditions show as not yet known). */
export function sizeMeter(
  renditions: Partial<Record<ProfileId, MeteredFile>>,
  profiles: readonly TargetProfile[] = targetProfiles,
): SizeMeterEntry[] {
  return profiles.map((profile) => {
    const file = renditions[profile.id];
    return {
      profileId: profile.id,
      label: profile.label,
      kind: profile.kind,
      budgetBytes: profile.budgetBytes,
      bytes: file?.bytes ?? null,
      mime: file?.mime ?? null,
      passes: file ? fitsProfile(file, profile) : null,
    };
  });
}

/** One file judged against every profile: "this rendition reaches which carriers?" */
export function meterForFile(file: MeteredFile, profiles: readonly TargetProfile[] = targetProfiles): SizeMeterEntry[] {
  return sizeMeter(Object.fromEntries(profiles.map((profile) => [profile.id, file])), profiles);
}

/** "1.2 MB", "560 KB", "940 B": decimal units, as the budgets are stated. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(bytes >= 10_000_000 ? 0 : 1)} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} KB`;
  return `${bytes} B`;
}
