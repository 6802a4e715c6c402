import { sendProfileIds } from '../../../shared/flow/settings';
import { getProfile, type ProfileId } from '../../../shared/media/profiles';

/** The MMS send profiles with their size limits, as the pickers (preview, flow settings) list them. */
export function sendProfileOptions(): Array<{ value: ProfileId; label: string }> {
  return sendProfileIds.map((profileId) => {
    const profile = getProfile(profileId);
    return { value: profileId, label: `${profile.label} · ${Math.round(profile.limitBytes / 1000)} KB` };
  });
}
