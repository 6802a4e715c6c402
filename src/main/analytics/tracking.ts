import type Database from 'better-sqlite3';
import { DEFAULT_LINK_DOMAIN, findLinks } from '../../shared/analytics/links';
import type { FlowSettings } from '../../shared/flow/settings';
import { countSmsSegments } from '../../shared/sms/segments';
import { readGoals, recordAssignment, type GoalSetting } from './derive';
import { linkSecret, trackLinks } from './links';

/**
 * What the engine tells measurement as it runs, in the transaction of the step itself: the arm a
 * split chose, and a message body whose links are to be tracked. One instance per runtime; it
 * reads settings lazily and only when a step needs them.
 */
export class SendTracking {
  private secret: Buffer | null = null;
  private lastVariant: Database.Statement | null = null;
  private goals: { stamp: string | null; goals: GoalSetting[] } | null = null;

  constructor(private readonly sqlite: Database.Database) {}

  /** A split sent the enrollment down `variantId` at `at`. */
  assigned(input: { enrollmentId: number; splitNodeId: string; flowId: string; variantId: string; isHoldout: boolean; contactId: number; at: number }): void {
    recordAssignment(this.sqlite, { ...input, assignedAt: input.at }, this.currentGoals());
  }

  /**
   * The body with its links shortened when the flow tracks clicks, and its segments counted on
   * that body (what the contact receives); null when nothing changes. The destination is tagged
   * with the node (utm_content) and, past a split, the variant the enrollment took (utm_term).
   */
  tracked(
    settings: FlowSettings,
    send: { channel: 'sms' | 'mms'; body: string },
    input: { idempotencyKey: string; enrollmentId: number; contactId: number; flowId: string; nodeId: string; now: number },
  ): { body: string; segments: number } | null {
    if (!settings.clickTracking.isEnabled || findLinks(send.body).length === 0) return null;
    this.secret ??= linkSecret(this.sqlite);
    const tracking = settings.clickTracking;
    const { enrollmentId, ...link } = input;
    const body = trackLinks(
      this.sqlite,
      {
        secret: this.secret,
        domain: this.linkDomain(),
        ...link,
        utm: {
          utmSource: tracking.utmSource,
          utmMedium: tracking.utmMedium || send.channel,
          utmCampaign: tracking.utmCampaign,
          utmContent: input.nodeId,
          utmTerm: this.variantOf(enrollmentId),
        },
      },
      send.body,
    );
    return { body, segments: send.channel === 'sms' ? countSmsSegments(body).segments : 1 };
  }

  /** The arm of the split this enrollment passed last: the variant whose path the message is on. */
  private variantOf(enrollmentId: number): string | undefined {
    this.lastVariant ??= this.sqlite
      .prepare('SELECT variant_id FROM split_assignments WHERE enrollment_id = ? ORDER BY assigned_at DESC, rowid DESC LIMIT 1')
      .pluck();
    return this.lastVariant.get(enrollmentId) as string | undefined;
  }

  private linkDomain(): string {
    const raw = this.sqlite.prepare(`SELECT value_json FROM analytics_settings WHERE key = 'settings'`).pluck().get() as string | undefined;
    try {
      const domain = raw ? (JSON.parse(raw) as { linkDomain?: unknown }).linkDomain : undefined;
      return typeof domain === 'string' && domain ? domain : DEFAULT_LINK_DOMAIN;
    } catch {
      return DEFAULT_LINK_DOMAIN;
    }
  }

  /** Goal settings, read again only when a flow was saved since. */
  private currentGoals(): GoalSetting[] {
    const stamp = this.sqlite.prepare('SELECT max(updated_at) FROM flows').pluck().get() as string | null;
    if (!this.goals || this.goals.stamp !== stamp) this.goals = { stamp, goals: readGoals(this.sqlite) };
    return this.goals.goals;
  }
}
