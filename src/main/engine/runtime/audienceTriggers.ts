import { advanceOccurrence, dropDateTrigger, dueOccurrences, nextOccurrenceDue, rescheduleContacts, scheduleDateTrigger, type DateTriggerPlan } from '../../audience/dateTrigger';
import { dueRechecks, initializeMembers, nextRecheckDue, refreshMembers, type SegmentPlan } from '../../audience/membership';
import { deleteScheduledEnrollment, dueScheduledEnrollments, nextScheduledEnrollmentDue } from '../../audience/scheduledEnroll';
import { loadCatalog } from '../../audience/segmentSql';
import { SegmentDefinition } from '../../../shared/audience/segment';
import type { CompiledFlow } from '../flow';
import type { RuntimeContext } from './context';
import type { Enrollments } from './enrollment';
import type { Transactions } from './transactions';

/**
 * segment_entered and date_attribute triggers. A live version is set up once (its segment's
 * members recorded, its date occurrences stored); after that only contacts that changed (their
 * events and consent records this tick, imports and edits since the last look) or that are due
 * (a recheck time, a date occurrence) are looked at. Nobody is rescanned on a timer.
 */
const READY_KEY = 'audience:ready:';
const CONTACTS_CURSOR = 'audience:contacts_updated_at';
/** A date occurrence found later than this (the runner was off) is skipped, not sent late. */
const LATE_LIMIT_MS = 24 * 3_600_000;
const DUE_BATCH = 1_000;

interface SegmentFlow {
  flow: CompiledFlow;
  plan: SegmentPlan;
}

export class AudienceTriggers {
  private readonly changed = new Set<number>();
  private segmentFlows: SegmentFlow[] = [];
  private datePlans = new Map<string, { flow: CompiledFlow; plan: DateTriggerPlan }>();

  constructor(
    private readonly context: RuntimeContext,
    private readonly tx: Transactions,
    private readonly enrollments: Enrollments,
  ) {}

  /** A contact's facts changed (an event, a consent record): look at it again this tick. */
  noteChanged(contactId: number): void {
    this.changed.add(contactId);
  }

  /** Once per tick, after the live versions were refreshed and the inbound records applied. Returns the work done. */
  process(now: number): number {
    this.prepare(now);
    let work = this.fireScheduledEnrollments(now);
    if (this.segmentFlows.length === 0 && this.datePlans.size === 0) {
      this.changed.clear();
      return work;
    }
    for (const id of this.contactsEditedSince(now)) this.changed.add(id);
    if (this.changed.size > 0) {
      const ids = [...this.changed];
      this.changed.clear();
      for (let i = 0; i < ids.length; i += DUE_BATCH) work += this.onChanged(ids.slice(i, i + DUE_BATCH), now);
    }
    for (let round = 0; round < 1_000; round++) {
      const due = dueRechecks(this.context.sqlite, now, DUE_BATCH);
      if (due.size === 0) break;
      for (const [segmentVersionId, ids] of due) work += this.refresh(segmentVersionId, ids, now);
    }
    work += this.fireDueDates(now);
    return work;
  }

  /** The earliest recheck or date occurrence, for the scheduler's next wake. */
  nextDueAt(): number | null {
    const times = [nextRecheckDue(this.context.sqlite), nextOccurrenceDue(this.context.sqlite), nextScheduledEnrollmentDue(this.context.sqlite)].filter(
      (t): t is number => t !== null,
    );
    return times.length ? Math.min(...times) : null;
  }

  /** The live versions with these triggers; a version seen for the first time is set up. */
  private prepare(now: number): void {
    const { sqlite, statements: s, versions } = this.context;
    const segmentFlows: SegmentFlow[] = [];
    const datePlans = new Map<string, { flow: CompiledFlow; plan: DateTriggerPlan }>();
    for (const flow of versions.live) {
      const t = flow.trigger.config;
      if (t.type === 'segment_entered') {
        const row = sqlite
          .prepare(
            `SELECT sv.id, sv.definition_json FROM flow_version_segments u JOIN segment_versions sv ON sv.id = u.segment_version_id
             JOIN segments sg ON sg.id = sv.segment_id WHERE u.flow_version_id = ? AND (sg.id = ? OR sg.name = ?)`,
          )
          .get(flow.versionId, t.segment, t.segment) as { id: string; definition_json: string } | undefined;
        if (!row) continue;
        const plan = { segmentVersionId: row.id, definition: SegmentDefinition.parse(JSON.parse(row.definition_json)) };
        segmentFlows.push({ flow, plan });
        if (s.getState.get(READY_KEY + flow.versionId) === undefined) {
          this.tx.run(() => {
            // Members shared with another live flow on the same segment version are already known.
            const known = sqlite.prepare('SELECT 1 FROM segment_members WHERE segment_version_id = ? LIMIT 1').get(plan.segmentVersionId);
            if (!known) initializeMembers(sqlite, plan, loadCatalog(sqlite), now);
            s.setState.run(READY_KEY + flow.versionId, String(now));
          });
        }
      } else if (t.type === 'date_attribute') {
        const plan: DateTriggerPlan = { flowVersionId: flow.versionId, config: t, defaultZone: flow.settings.defaultTimeZone };
        datePlans.set(flow.versionId, { flow, plan });
        if (s.getState.get(READY_KEY + flow.versionId) === undefined) {
          scheduleDateTrigger(sqlite, plan, now);
          this.tx.run(() => s.setState.run(READY_KEY + flow.versionId, String(now)));
        }
      }
    }
    // A version no longer live (replaced, paused, archived) stops firing.
    for (const versionId of this.datePlans.keys()) if (!datePlans.has(versionId)) dropDateTrigger(sqlite, versionId);
    this.segmentFlows = segmentFlows;
    this.datePlans = datePlans;
  }

  /** Contacts created or edited (an import, a preference change) since the last look. */
  private contactsEditedSince(now: number): number[] {
    const { sqlite, statements: s } = this.context;
    const cursor = Number(s.getState.get(CONTACTS_CURSOR) ?? now);
    const ids = sqlite.prepare('SELECT id FROM contacts WHERE updated_at > ? AND updated_at <= ?').pluck().all(cursor, now) as number[];
    this.tx.run(() => s.setState.run(CONTACTS_CURSOR, String(now)));
    return ids;
  }

  private onChanged(ids: number[], now: number): number {
    let work = 0;
    const segmentVersions = new Set(this.segmentFlows.map((f) => f.plan.segmentVersionId));
    for (const segmentVersionId of segmentVersions) work += this.refresh(segmentVersionId, ids, now);
    const plans = [...this.datePlans.values()].map((p) => p.plan);
    if (plans.length) this.tx.run(() => rescheduleContacts(this.context.sqlite, plans, ids, now));
    return work;
  }

  /** Re-evaluate contacts for one segment version and enroll those who entered into each flow on it. */
  private refresh(segmentVersionId: string, ids: readonly number[], now: number): number {
    const flows = this.segmentFlows.filter((f) => f.plan.segmentVersionId === segmentVersionId);
    const plan = flows[0]?.plan;
    if (!plan) {
      // No live flow reads this version any more: its rechecks are not needed.
      this.tx.run(() => this.context.sqlite.prepare('UPDATE segment_members SET recheck_at = NULL WHERE segment_version_id = ?').run(segmentVersionId));
      return 0;
    }
    return this.tx.run(() => {
      const { entered } = refreshMembers(this.context.sqlite, plan, loadCatalog(this.context.sqlite), ids, now);
      for (const contactId of entered) for (const { flow } of flows) this.enrollments.tryEnroll(flow, contactId, now);
      return ids.length;
    });
  }

  private fireDueDates(now: number): number {
    let work = 0;
    for (let round = 0; round < 1_000; round++) {
      const due = dueOccurrences(this.context.sqlite, now, DUE_BATCH);
      if (due.length === 0) return work;
      this.tx.run(() => {
        for (const occurrence of due) {
          const live = this.datePlans.get(occurrence.flowVersionId);
          if (!live) {
            dropDateTrigger(this.context.sqlite, occurrence.flowVersionId);
            continue;
          }
          if (now - occurrence.dueAt <= LATE_LIMIT_MS) this.enrollments.tryEnroll(live.flow, occurrence.contactId, now);
          advanceOccurrence(this.context.sqlite, live.plan, occurrence.contactId, Math.max(occurrence.dueAt, now));
        }
      });
      work += due.length;
    }
    return work;
  }

  /**
   * "Enroll a segment at a chosen local time": the entries now due enter their flow (the re-entry
   * rule still decides), each removed in the same transaction as its enrollment, so a crash
   * repeats or loses none. An entry whose flow is no longer live, or found more than a day late
   * (the runner was off), is dropped rather than sent late.
   */
  private fireScheduledEnrollments(now: number): number {
    const { sqlite, versions } = this.context;
    let work = 0;
    for (let round = 0; round < 1_000; round++) {
      const due = dueScheduledEnrollments(sqlite, now, DUE_BATCH);
      if (due.length === 0) return work;
      this.tx.run(() => {
        for (const entry of due) {
          const flow = versions.liveFlow(entry.flow_id);
          if (flow && now - entry.due_at <= LATE_LIMIT_MS) this.enrollments.tryEnroll(flow, entry.contact_id, now);
          deleteScheduledEnrollment(sqlite, entry.id);
        }
      });
      work += due.length;
    }
    return work;
  }
}
