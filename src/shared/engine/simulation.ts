import { z } from 'zod';
import { PriceTable } from '../analytics/money';

/** Settings of the embedded simulator provider and of a dry-run; shared by the CLI, API and UI. */

export const CarrierProfile = z.object({
  name: z.string().min(1).max(60),
  /** Share of numbers on this carrier (normalised over all carriers). */
  share: z.number().min(0).max(1),
  /** Probability that an accepted message is delivered (the rest fail with SIM_UNREACHABLE). */
  deliveryRate: z.number().min(0).max(1),
});
export type CarrierProfile = z.infer<typeof CarrierProfile>;

export const SimulatorConfig = z.object({
  seed: z.number().int().min(0).max(2 ** 32 - 1),
  /** Receipt delay after the message leaves the provider's queue, milliseconds. */
  latencyMs: z.object({ min: z.number().int().min(1), max: z.number().int().min(1) }),
  /**
   * Messages per second the provider hands to carriers (a sender's throughput: about 1 for a
   * long code, 3 for toll-free, 100 for a short code). Accepted messages queue in send order
   * and leave one slot apart, so a large send takes as long as it would with a real sender and
   * its receipts come back in about the order it went out. 0 = no limit.
   */
  throughputPerSecond: z.number().min(0).max(100_000),
  carriers: z.array(CarrierProfile).min(1).max(20),
  /** Share of numbers whose handsets cannot take MMS: their MMS fail with an MMS-class error. */
  mmsIncapableShare: z.number().min(0).max(1),
  /** Probability that a recipient answers a message with STOP. */
  stopReplyRate: z.number().min(0).max(1),
  /** Probability that a send attempt is refused with a transient error (retried by the drain). */
  transientErrorRate: z.number().min(0).max(1),
});
export type SimulatorConfig = z.infer<typeof SimulatorConfig>;

export const defaultSimulatorConfig = (seed = 1): SimulatorConfig => ({
  seed,
  latencyMs: { min: 2_000, max: 90_000 },
  throughputPerSecond: 100,
  carriers: [
    { name: 'Verizon', share: 0.38, deliveryRate: 0.985 },
    { name: 'T-Mobile', share: 0.32, deliveryRate: 0.98 },
    { name: 'AT&T', share: 0.26, deliveryRate: 0.982 },
    { name: 'Regional', share: 0.04, deliveryRate: 0.94 },
  ],
  mmsIncapableShare: 0.06,
  stopReplyRate: 0.01,
  transientErrorRate: 0.01,
});

export const EventBehaviour = z.object({
  event: z.string().min(1).max(120),
  /** Probability that a contact does this at least once after entering. */
  probability: z.number().min(0).max(1),
  /** It happens uniformly within this many hours after entry. */
  withinHours: z.number().min(0).max(24 * 90),
});
export type EventBehaviour = z.infer<typeof EventBehaviour>;

/**
 * How simulated recipients engage with a delivered message, so every analytics figure can be tried
 * offline: a click at `clickRate` (per channel: pictures draw more), a purchase (the flow's goal
 * event, worth about `orderValue`) by `conversionRate` of those who clicked, a text back at `replyRate`.
 */
export const SimulatedEngagement = z.object({
  clickRate: z.object({ sms: z.number().min(0).max(1), mms: z.number().min(0).max(1) }),
  conversionRate: z.number().min(0).max(1),
  replyRate: z.number().min(0).max(1),
  orderValue: z.number().min(0).max(1_000_000),
});
export type SimulatedEngagement = z.infer<typeof SimulatedEngagement>;
export const defaultSimulatedEngagement = (): SimulatedEngagement => ({ clickRate: { sms: 0.06, mms: 0.14 }, conversionRate: 0.3, replyRate: 0.02, orderValue: 45 });

export const SimulationOptions = z.object({
  /** Synthetic contacts to generate; ignored when `useImportedContacts` is set. */
  contacts: z.number().int().min(1).max(1_000_000).default(1000),
  useImportedContacts: z.boolean().default(false),
  days: z.number().min(0.01).max(90).default(7),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  /** ISO instant the virtual clock starts at; fixed by default so runs compare. The app and `postcard simulate` pass now, or the start the user chose. */
  startAt: z.iso.datetime().default('2026-01-05T15:00:00.000Z'),
  /** Contacts enter spread over this many hours from the start. */
  entrySpreadHours: z.number().min(0).max(24 * 30).default(24),
  /** Share of synthetic contacts already known not to take MMS. */
  knownMmsIncapableShare: z.number().min(0).max(1).default(0.03),
  behaviours: z.array(EventBehaviour).max(50).default([]),
  smsSegmentPrice: z.number().min(0).max(10).default(0.0079),
  mmsPrice: z.number().min(0).max(10).default(0.02),
  currency: z.string().min(1).max(8).default('USD'),
  /**
   * The price table the run is costed at, per destination country where it names one. The app and
   * the CLI give the workspace's (Analytics settings), its default row set by the run's SMS and MMS
   * prices when those are given; without a table, the three fields above are the only prices.
   */
  prices: PriceTable.optional(),
  simulator: SimulatorConfig.partial().optional(),
  engagement: SimulatedEngagement.default(defaultSimulatedEngagement),
  /** How many contact timelines to include as samples. */
  sampleTimelines: z.number().int().min(0).max(50).default(5),
});
export type SimulationOptions = z.infer<typeof SimulationOptions>;
export type SimulationOptionsInput = z.input<typeof SimulationOptions>;
