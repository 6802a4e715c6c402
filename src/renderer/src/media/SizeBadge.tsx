import { formatBytes } from '../../../shared/media/meter';
import { DEFAULT_PROFILE_ID, getProfile, type ProfileId } from '../../../shared/media/profiles';
import { useRendition } from './MediaContext';

/** Bytes of the asset's rendition for a profile; red when it is over that profile's budget. */
export function SizeBadge({ assetId, profileId = DEFAULT_PROFILE_ID }: { assetId: string; profileId?: ProfileId }) {
  const entry = useRendition(assetId, profileId, false);
  const profile = getProfile(profileId);
  if (!entry || entry.status === 'loading') {
    return <span className="size-badge is-pending">Optimising…</span>;
  }
  if (entry.status === 'error') {
    return (
      <span className="size-badge is-over" title={entry.error.message}>
        Does not fit
      </span>
    );
  }
  const { bytes, fitsBudget } = entry.rendition;
  return (
    <span
      className={`size-badge${fitsBudget ? '' : ' is-over'}`}
      title={`${formatBytes(bytes)} of ${formatBytes(profile.budgetBytes)} for ${profile.label}`}
      aria-label={`${formatBytes(bytes)}, ${fitsBudget ? 'fits' : 'over'} the ${profile.label} budget`}
    >
      {formatBytes(bytes)}
    </span>
  );
}
