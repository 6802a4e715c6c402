import type { OutputMime } from './types';

/**
 * Target profiles: where a rendition is going and what it must fit. Sizes are decimal bytes
 * (1 KB = 1,000 B, 1 MB = 1,000,000 B), which is how carriers and providers state them and the
 * smaller reading when a gateway counts in binary units.
 *
 * Sources (checked against the providers' public docs): carrier MMS limits by number type as
 * published by Telnyx ("MMS message size limits") and repeated in Postcard's DOMAIN.md — AT&T
 * 1 MB long code / 600 KB toll-free and short code; T-Mobile 1.5 MB / 600 KB / 1 MB; Verizon
 * 1 MB / 600 KB / 1.2 MB; about 300 KB is safe internationally. Provider caps: Twilio 5 MB per
 * MMS (error 11751), Telnyx 1 MB, Vonage 2 MB. WhatsApp (Cloud API / Twilio): images JPEG or PNG
 * up to 5 MB, video MP4 H.264 up to 16 MB, no GIF images. RCS (Google RBM): JPEG, PNG, GIF images;
 * rich-card images recommended at most 2 MB.
 */

export type ProfileId =
  | 'mms-default'
  | 'us-long-code'
  | 'us-toll-free'
  | 'us-short-code'
  | 'tmobile-long-code'
  | 'international'
  | 'twilio'
  | 'telnyx'
  | 'vonage'
  | 'rcs'
  | 'whatsapp';

export type ProfileChannel = 'mms' | 'rcs' | 'whatsapp';
/** A carrier limit on the handset side, a provider's API cap, or a whole channel's rules. */
export type ProfileKind = 'carrier' | 'provider' | 'channel';

export interface TargetProfile {
  id: ProfileId;
  label: string;
  channel: ProfileChannel;
  kind: ProfileKind;
  /** The limit as published for the whole message. */
  limitBytes: number;
  /** What one media part may use: the limit minus the envelope headroom (see `budgetFor`). */
  budgetBytes: number;
  /** Longest image side on a phone screen; renditions never upscale past the original. */
  maxImageEdge: number;
  /** Video width; height follows the aspect ratio. */
  maxVideoWidth: number;
  accepts: readonly OutputMime[];
  /** False where the receiving side re-encodes to JPEG (transparent pixels would turn black). */
  allowsTransparency: boolean;
  allowsAnimation: boolean;
  note: string;
}

/**
 * Headroom for the message envelope: the MMS is a multipart message whose SMIL layout part,
 * MIME part headers and text body travel with the media and count against the same limit.
 * A 1,600-character body is at most 6.4 KB in UTF-8, SMIL and headers about 2 KB, so a fixed
 * 10 KB covers them; a further 5 % absorbs gateways that count the encoded message rather than
 * the file (part headers, Content-Location, transfer encodings) and the binary-vs-decimal
 * reading of "KB" by some MMSCs.
 */
export const ENVELOPE_FIXED_BYTES = 10_000;
export const ENVELOPE_FRACTION = 0.05;

export const budgetFor = (limitBytes: number): number =>
  Math.floor(limitBytes * (1 - ENVELOPE_FRACTION)) - ENVELOPE_FIXED_BYTES;

/** Phone-screen dimensions shared by every MMS profile. */
export const PHONE_IMAGE_EDGE = 1280;
export const PHONE_VIDEO_WIDTH = 640;

const MMS_TYPES: readonly OutputMime[] = ['image/jpeg', 'image/png', 'image/gif', 'video/mp4'];

function mms(id: ProfileId, label: string, kind: ProfileKind, limitBytes: number, note: string): TargetProfile {
  return {
    id,
    label,
    channel: 'mms',
    kind,
    limitBytes,
    budgetBytes: budgetFor(limitBytes),
    maxImageEdge: PHONE_IMAGE_EDGE,
    maxVideoWidth: PHONE_VIDEO_WIDTH,
    accepts: MMS_TYPES,
    // Carriers transcode MMS images to JPEG for older handsets; alpha would come out black.
    allowsTransparency: false,
    allowsAnimation: true,
    note,
  };
}

export const targetProfiles: readonly TargetProfile[] = [
  mms('mms-default', 'MMS (safe default)', 'carrier', 600_000, 'The smallest US limit across carriers and number types (toll-free and short code): passes everywhere in the US.'),
  mms('us-long-code', 'US long code', 'carrier', 1_000_000, 'AT&T and Verizon accept 1 MB from a 10DLC long code; T-Mobile accepts more.'),
  mms('us-toll-free', 'US toll-free', 'carrier', 600_000, 'AT&T, T-Mobile and Verizon all stop at 600 KB for toll-free senders.'),
  mms('us-short-code', 'US short code', 'carrier', 600_000, 'AT&T 600 KB, T-Mobile 1 MB, Verizon 1.2 MB: 600 KB reaches all three.'),
  mms('tmobile-long-code', 'T-Mobile long code', 'carrier', 1_500_000, 'T-Mobile subscribers only; other carriers refuse this size.'),
  mms('international', 'International (safe)', 'carrier', 300_000, 'About 300 KB is delivered by most carriers outside the US.'),
  mms('twilio', 'Twilio (API cap)', 'provider', 5_000_000, 'Twilio refuses MMS over 5 MB (error 11751); carriers still apply their own limits.'),
  mms('telnyx', 'Telnyx (API cap)', 'provider', 1_000_000, 'Telnyx accepts MMS under 1 MB in total.'),
  mms('vonage', 'Vonage (API cap)', 'provider', 2_000_000, 'Vonage Messages accepts MMS media up to 2 MB.'),
  {
    id: 'rcs',
    label: 'RCS rich card',
    channel: 'rcs',
    kind: 'channel',
    limitBytes: 2_000_000,
    budgetBytes: budgetFor(2_000_000),
    maxImageEdge: 1440,
    maxVideoWidth: PHONE_VIDEO_WIDTH,
    accepts: ['image/jpeg', 'image/png', 'image/gif', 'video/mp4'],
    allowsTransparency: true,
    allowsAnimation: true,
    note: 'RBM takes files up to 100 MB, but rich-card images are recommended at 2 MB or less so they load on mobile data.',
  },
  {
    id: 'whatsapp',
    label: 'WhatsApp image',
    channel: 'whatsapp',
    kind: 'channel',
    limitBytes: 5_000_000,
    budgetBytes: budgetFor(5_000_000),
    maxImageEdge: 1600,
    maxVideoWidth: PHONE_VIDEO_WIDTH,
    // WhatsApp images are JPEG or PNG only; an animation is sent as its first frame (or as video).
    accepts: ['image/jpeg', 'image/png', 'video/mp4'],
    allowsTransparency: false,
    allowsAnimation: false,
    note: 'WhatsApp images: JPEG or PNG up to 5 MB; video MP4 (H.264/AAC) up to 16 MB; no GIF.',
  },
];

/** Where transparency cannot be shown: white, like the message area of most handsets in light mode. */
export const DEFAULT_BACKGROUND = '#ffffff';

export const profileIds = targetProfiles.map((profile) => profile.id);
export const DEFAULT_PROFILE_ID: ProfileId = 'mms-default';

export const isProfileId = (value: unknown): value is ProfileId =>
  typeof value === 'string' && targetProfiles.some((profile) => profile.id === value);

export function getProfile(id: ProfileId): TargetProfile {
  const profile = targetProfiles.find((candidate) => candidate.id === id);
  if (!profile) throw new Error(`unknown target profile "${id}"`);
  return profile;
}

/**
 * The profile a send uses: the tightest budget among the carrier limit for the sender's number
 * type and the provider's cap (a 5 MB provider cap does not lift a 600 KB carrier limit).
 */
export function effectiveProfile(ids: readonly ProfileId[]): TargetProfile {
  const candidates = (ids.length > 0 ? ids : [DEFAULT_PROFILE_ID]).map(getProfile);
  return candidates.reduce((tightest, profile) => (profile.budgetBytes < tightest.budgetBytes ? profile : tightest));
}
