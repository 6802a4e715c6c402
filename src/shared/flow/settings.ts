import { z } from 'zod';
import { DEFAULT_PROFILE_ID, targetProfiles, type ProfileId } from '../media/profiles';

/** Profiles a flow's MMS can be sent as: the carrier and provider limits of the media library. */
export const sendProfileIds = targetProfiles.filter((profile) => profile.channel === 'mms').map((profile) => profile.id);
const SendProfileId = z.custom<ProfileId>((value) => typeof value === 'string' && (sendProfileIds as string[]).includes(value), {
  message: `expected one of the MMS send profiles (${sendProfileIds.join(', ')})`,
});

/** "HH:MM" in 24-hour local time. */
export const LocalTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time as HH:MM (24-hour)');
export type LocalTime = z.infer<typeof LocalTime>;

export const QuietHours = z.object({
  isEnabled: z.boolean(),
  /** Sends are held from `start` until `end` in the recipient's local time. */
  start: LocalTime,
  end: LocalTime,
});
export type QuietHours = z.infer<typeof QuietHours>;

export const FrequencyCap = z.object({
  isEnabled: z.boolean(),
  maxMessages: z.number().int().min(1).max(100),
  perHours: z.number().int().min(1).max(24 * 30),
});
export type FrequencyCap = z.infer<typeof FrequencyCap>;

export const ReentryRule = z.object({
  mode: z.enum(['never', 'after_exit', 'always']),
  minGapHours: z.number().min(0).max(24 * 365),
});
export type ReentryRule = z.infer<typeof ReentryRule>;

/**
 * The answer to HELP / INFO (CTIA: program name, how often, "Msg & data rates may apply", how to
 * stop). Kept to two GSM-7 segments' worth of characters; the editor shows the segment count.
 */
export const DEFAULT_HELP_REPLY = 'Postcard messages: Msg & data rates may apply. Msg frequency varies. Reply STOP to opt out, START to opt back in.';
export const HELP_REPLY_MAX_CHARS = 320;

/**
 * Tracked links: rewritten to short codes on the workspace's link domain, with UTM tags when set.
 * On for new flows whatever sends them: a real account's clicks are measured, and the simulator's
 * offline mode can only tap a tracked link.
 */
export const ClickTracking = z.object({
  isEnabled: z.boolean(),
  utmSource: z.string().max(100).default(''),
  utmMedium: z.string().max(100).default(''),
  utmCampaign: z.string().max(100).default(''),
});
export type ClickTracking = z.infer<typeof ClickTracking>;

export const FlowSettings = z.object({
  quietHours: QuietHours,
  frequencyCap: FrequencyCap,
  reentry: ReentryRule,
  /** An event that exits the contact wherever it is in the flow (e.g. `purchased`). */
  goalEvent: z.string().max(120),
  /** IANA zone used for contacts whose own zone cannot be inferred. */
  defaultTimeZone: z.string().min(1).max(64),
  /**
   * Sent to a contact who texts HELP while in this flow; blank means the default. Documents saved
   * before the field existed get the default, so they still parse.
   */
  helpReply: z.string().max(HELP_REPLY_MAX_CHARS).default(DEFAULT_HELP_REPLY),
  /**
   * The carrier or provider limits this flow's MMS media is sized for: publishing renders and
   * checks every image for it, and the handset preview shows that rendition. Documents saved
   * before the field existed get the safe default.
   */
  sendProfileId: SendProfileId.default(DEFAULT_PROFILE_ID),
  /**
   * The subscription category the flow's messages belong to (promotions, order updates …): a
   * contact unsubscribed from it is not sent them. Null: the channel consent alone decides.
   */
  category: z.string().max(60).nullable().default(null),
  /**
   * The sending account (Settings → Sending accounts) that sends this flow once it is live; null
   * sends through the built-in simulator, the default for new flows. Only the account's id is
   * kept here, never its credentials. Documents saved before the field existed get null.
   */
  sendingAccountId: z.string().regex(/^acc_[a-z0-9]{10,40}$/, 'not a sending account id').nullable().default(null),
  /**
   * A goal event within this many days after a message is a conversion credited to the latest such
   * message (last touch). Documents from before get the default.
   */
  attributionDays: z.number().int().min(1, 'the attribution window is 1–30 days').max(30, 'the attribution window is 1–30 days').default(5),
  /** The goal event's numeric property that is its revenue (a `currency` property names the currency). */
  revenueProperty: z.string().max(120).default('value'),
  /** On for new flows; documents from before the setting existed keep their links as written. */
  clickTracking: ClickTracking.default({ isEnabled: false, utmSource: '', utmMedium: '', utmCampaign: '' }),
});
export type FlowSettings = z.infer<typeof FlowSettings>;

export const defaultFlowSettings = (): FlowSettings => ({
  quietHours: { isEnabled: true, start: '21:00', end: '08:00' },
  frequencyCap: { isEnabled: true, maxMessages: 3, perHours: 24 },
  reentry: { mode: 'after_exit', minGapHours: 24 },
  goalEvent: '',
  defaultTimeZone: 'America/New_York',
  helpReply: DEFAULT_HELP_REPLY,
  sendProfileId: DEFAULT_PROFILE_ID,
  category: null,
  sendingAccountId: null,
  attributionDays: 5,
  revenueProperty: 'value',
  clickTracking: { isEnabled: true, utmSource: 'postcard', utmMedium: '', utmCampaign: '' },
});

export const FlowStatus = z.enum(['draft', 'live', 'paused', 'archived']);
export type FlowStatus = z.infer<typeof FlowStatus>;
