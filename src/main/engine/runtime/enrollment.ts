import type { EnrollmentState } from '../../../shared/engine/types';
import { SendTracking } from '../../analytics/tracking';
import type { CompiledFlow } from '../flow';
import { mayEnter, step, type StepContact } from '../step';
import { exitEnrollment, type ContactRow, type DueEnrollmentRow, type DueMessageRow, type EntryHistory } from '../store';
import { trailLine } from '../trail';
import type { SendResult } from '../../providers/types';
import type { RuntimeContext } from './context';
import type { Drain } from './drain';
import { sendVerdict } from './sendRules';
import type { Transactions } from './transactions';

/**
 * Enrollments: contacts entering live flows (by trigger or by hand), and every enrollment whose
 * timer is due running through as many nodes as it can pass now. The decisions are the pure
 * step's; this module writes them.
 */
export class Enrollments {
  constructor(
    private readonly context: RuntimeContext,
    private readonly tx: Transactions,
    private readonly drain: Drain,
  ) {
    this.tracking = new SendTracking(context.sqlite);
  }

  /** Measurement's view of the steps: split arms and tracked links, written in the step's transaction. */
  private readonly tracking: SendTracking;

  /** Enroll contacts into a live flow by hand (the `manual` trigger); returns how many entered. */
  enrollContacts(flowId: string, contactIds: readonly number[]): number {
    const { versions, statements: s, settings } = this.context;
    versions.refreshLive();
    const flow = versions.liveFlow(flowId);
    if (!flow) return 0;
    const now = this.context.clock.now();
    let entered = 0;
    for (let i = 0; i < contactIds.length; i += settings.batchSize) {
      const chunk = contactIds.slice(i, i + settings.batchSize);
      entered += this.tx.run(() => {
        // One read for the whole chunk: each contact with its history in this flow.
        const rows = s.contactsWithEntryHistory.all(flowId, JSON.stringify(chunk)) as Array<ContactRow & EntryHistory>;
        const byId = new Map(rows.map((row) => [row.id, row]));
        let count = 0;
        for (const id of chunk) {
          const row = byId.get(id);
          if (!row) continue;
          if (this.enrollLoaded(flow, row, row, now)) {
            count++;
            // A contact listed twice in one call: the second sees the first entry.
            row.active++;
            row.last_entered = now;
          }
        }
        return count;
      });
    }
    return entered;
  }

  /** Inside the caller's transaction: enroll one contact if the flow's re-entry rule lets it in. */
  tryEnroll(flow: CompiledFlow, contactId: number, now: number): boolean {
    const s = this.context.statements;
    const contact = s.contactById.get(contactId) as ContactRow | undefined;
    if (!contact) return false;
    return this.enrollLoaded(flow, contact, s.entryHistory.get(contactId, flow.flowId) as EntryHistory, now);
  }

  private enrollLoaded(flow: CompiledFlow, contact: ContactRow, history: EntryHistory, now: number): boolean {
    if (!mayEnter(flow.settings.reentry, { activeCount: history.active, lastEnteredAt: history.last_entered, lastExitedAt: history.last_exited }, now)) {
      return false;
    }
    const id = this.context.reserveEnrollmentId();
    this.context.counters.add(flow.flowId, flow.trigger.id, 'entered');
    this.context.report.enrolled++;
    this.advance(
      flow,
      {
        phone: contact.phone,
        time_zone: contact.time_zone,
        attributes_json: contact.attributes_json,
        mms_capable: contact.mms_capable,
        unreachable_reason: contact.unreachable_reason ?? null,
        id,
        flow_id: flow.flowId,
        flow_version_id: flow.versionId,
        contact_id: contact.id,
        node_id: flow.trigger.id,
        state: 'active',
        wake_at: null,
        step_seq: 0,
        await_message_id: null,
        entered_at: now,
        node_entered_at: now,
      },
      'enter',
      now,
    );
    return true;
  }

  /** Every enrollment whose timer is due, a batch per transaction; returns how many ran. */
  processDue(now: number): number {
    const { statements: s, counters, versions, settings } = this.context;
    let total = 0;
    for (;;) {
      const { count } = this.tx.batch(
        () => s.dueEnrollments.all(now, settings.batchSize) as DueEnrollmentRow[],
        (batch) => {
          for (const row of batch) {
            const flow = versions.get(row.flow_version_id);
            if (!flow) {
              exitEnrollment(s, counters, row, 'version_unreadable', now);
              continue;
            }
            this.advance(flow, row, 'resume', now);
          }
          return [];
        },
        (row) => exitEnrollment(s, counters, row, 'engine_error', now),
        (row) => s.dueEnrollmentById.get(row.id, now) as DueEnrollmentRow | undefined,
      );
      if (count === 0) return total;
      total += count;
    }
  }

  /**
   * Run one enrollment through as many nodes as it can pass at `now` (trigger → branch → MMS in
   * one go), then park or exit it: one row write for the whole run. A new enrollment ('enter')
   * is inserted here, already in its parked state; an existing one is updated.
   */
  advance(flow: CompiledFlow, row: DueEnrollmentRow, initialPhase: 'enter' | 'resume', now: number): void {
    const context = this.context;
    const s = context.statements;
    const contact: StepContact = {
      id: row.contact_id,
      phone: row.phone,
      attributes: parseAttributes(row.attributes_json),
      timeZone: row.time_zone ?? flow.settings.defaultTimeZone,
      mmsCapable: row.mms_capable,
    };
    let nodeId = row.node_id;
    let phase = initialPhase;
    let seq = row.step_seq;
    let nodeEnteredAt = row.node_entered_at;
    let awaitMessageId = row.await_message_id;
    let state: EnrollmentState = 'active';
    let wakeAt: number | null = null;
    let exitReason: string | null = null;
    const path: string[] = initialPhase === 'enter' ? [nodeId] : [];
    const refused: Array<{ row: DueMessageRow; result: SendResult }> = [];
    let note = '';
    for (let hops = 0; ; hops++) {
      const node = flow.nodes.get(nodeId);
      if (!node || hops > 1_000) {
        exitReason = node ? 'too_many_steps' : 'node_missing';
        break;
      }
      const effects = step(
        node,
        contact,
        {
          settings: flow.settings,
          enrollment: { id: row.id, nodeId, state: row.state as EnrollmentState, enteredAt: row.entered_at, nodeEnteredAt, awaitMessageId, flowVersionId: row.flow_version_id },
          facts: context.facts,
          phase,
        },
        now,
      );
      context.stepCount++;
      context.report.steps++;
      note = effects.note;
      for (const metric of effects.counters) context.counters.add(flow.flowId, nodeId, metric);
      let acceptedUntil: number | null = null;
      if (effects.send) {
        // Zero-padded so keys sort in the order they are made: the unique index on them (ours
        // and the provider's) appends at its right edge instead of inserting all over a large B-tree.
        const key = `${context.settings.installId}-${String(row.id).padStart(12, '0')}.${seq}`;
        const tracked = this.tracking.tracked(flow.settings, effects.send, { idempotencyKey: key, enrollmentId: row.id, contactId: contact.id, flowId: flow.flowId, nodeId, now });
        const send = tracked ? { ...effects.send, ...tracked } : effects.send;
        // A flow on a sending account is sent by that account; otherwise by the runtime's own provider.
        const sender = context.senderOf(flow.settings.sendingAccountId);
        const outbox: DueMessageRow = {
          id: 0, idempotency_key: key, enrollment_id: row.id, flow_id: flow.flowId, flow_version_id: flow.versionId, node_id: nodeId,
          contact_id: contact.id, purpose: 'marketing', channel: send.channel, body: send.body, subject: send.subject, media_ref: send.mediaRef,
          status: 'queued', attempts: 0, provider_message_id: null, phone: contact.phone, time_zone: contact.timeZone, provider: sender, updated_at: now,
          unreachable_reason: row.unreachable_reason ?? null,
        };
        // An in-database provider takes the message in this very transaction when the send-time
        // rules allow it now: the row is written once, already sent. Anything else goes to the
        // outbox for the drain.
        const result =
          context.isTicking && context.sendsInTransaction && sender === context.provider.id && sendVerdict(context, outbox, now, 0).type === 'send'
            ? this.drain.sendNowInTransaction(outbox, now)
            : null;
        if (result?.ok) {
          const inserted = s.insertSentMessage.run(
            key, row.id, flow.flowId, flow.versionId, nodeId, contact.id, send.channel, send.body, send.subject, send.mediaRef,
            send.segments, context.provider.id, result.providerMessageId, now, now, now,
          );
          awaitMessageId = inserted.changes > 0 ? Number(inserted.lastInsertRowid) : (s.messageIdByKey.get(key) as number);
          if (inserted.changes > 0) this.drain.countAccepted(outbox, result, awaitMessageId, now);
          acceptedUntil = this.drain.receiptDeadline(outbox, now);
        } else {
          const inserted = s.insertMessage.run(
            key, row.id, flow.flowId, flow.versionId, nodeId, contact.id, 'marketing', send.channel, send.body,
            send.subject, send.mediaRef, send.segments, sender, now, now, now,
          );
          awaitMessageId = inserted.changes > 0 ? Number(inserted.lastInsertRowid) : (s.messageIdByKey.get(key) as number);
          // A refusal is recorded (retry, failure, fallback) once the enrollment is written below.
          if (result && inserted.changes > 0) refused.push({ row: { ...outbox, id: awaitMessageId }, result });
        }
      }
      const transition = effects.transition;
      if (node.kind === 'split' && transition.type === 'follow') {
        const variant = node.config.variants.find((v) => v.id === transition.port);
        this.tracking.assigned({ enrollmentId: row.id, splitNodeId: nodeId, flowId: flow.flowId, variantId: transition.port, isHoldout: variant?.isHoldout ?? false, contactId: contact.id, at: now });
      }
      if (transition.type === 'follow') {
        const target = flow.next(nodeId, transition.port);
        if (target === undefined) {
          exitReason = transition.orExit ?? 'no_path';
          break;
        }
        nodeId = target;
        seq++;
        nodeEnteredAt = now;
        awaitMessageId = null;
        phase = 'enter';
        path.push(target);
        context.counters.add(flow.flowId, target, 'entered');
        continue;
      }
      if (transition.type === 'park') {
        if (transition.state === 'awaiting_message' && acceptedUntil !== null) {
          // The provider took the message in this transaction: the step looks at it at once
          // (an SMS moves on, an MMS waits for its receipt) instead of a timer doing so later.
          phase = 'resume';
          continue;
        }
        state = transition.state;
        wakeAt = transition.wakeAt;
        break;
      }
      exitReason = transition.reason;
      break;
    }
    if (exitReason !== null) {
      state = 'exited';
      wakeAt = null;
      context.counters.add(flow.flowId, nodeId, 'exited');
    }
    const line =
      context.settings.journal && (path.length > 0 || exitReason !== null)
        ? `\n${trailLine(now, path.length > 0 ? path : [nodeId], exitReason === null ? note : `${note}; exited: ${exitReason}`)}`
        : '';
    const awaiting = state === 'awaiting_message' ? awaitMessageId : null;
    const exitedAt = exitReason === null ? null : now;
    if (initialPhase === 'enter') {
      s.insertEnrollment.run(
        row.id, flow.flowId, flow.versionId, row.contact_id, nodeId, state, wakeAt, seq, awaiting, row.entered_at, nodeEnteredAt,
        exitedAt, exitReason, line,
      );
    } else {
      s.updateEnrollment.run(nodeId, state, wakeAt, seq, awaiting, nodeEnteredAt, exitedAt, exitReason, line, row.id);
    }
    for (const { row: message, result } of refused) this.drain.recordResult(message, result, now, 'queued');
  }
}

export function parseAttributes(json: string): Record<string, unknown> {
  if (json === '{}') return {};
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
