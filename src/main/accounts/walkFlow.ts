import { eq } from 'drizzle-orm';
import { WalkFlowInput, type WalkedStep, type WalkFlowResult } from '../../shared/api/accounts';
import { PostcardError } from '../../shared/api/result';
import type { FlowNode } from '../../shared/graph/graph';
import type { MmsCapability } from '../../shared/engine/types';
import { isInSegment } from '../audience/segmentSql';
import type { SqliteDatabase } from '../db/open';
import { contacts } from '../db/schema/engine';
import { step, type MessageView, type StepContact, type StepContext } from '../engine/step';
import { SimulatorProvider } from '../providers/simulator';
import type { ProviderAdapter } from '../providers/types';
import { sendOutsideFlows, type TestSendDeps } from './testSend';

/** A flow longer than this is a loop the walk does not follow forever. */
const MAX_STEPS = 100;

export interface WalkFlowDeps extends TestSendDeps {
  sqlite: SqliteDatabase;
}

/**
 * "Walk the whole flow on my phone": the flow's draft run for one sample contact by the engine's
 * own step function, now: every message is sent at once to `to` through the flow's sending
 * account (or the built-in simulator) by the test-send path, each wait is skipped (an event wait
 * takes its timeout), a branch or split goes where that contact would, and an MMS counts as
 * delivered (or falls back, when the provider refuses MMS or the contact takes none). Nothing is
 * enrolled or written to the outbox, so no flow statistic counts it.
 */
export async function walkFlow(input: WalkFlowInput, deps: WalkFlowDeps): Promise<WalkFlowResult> {
  const parsed = WalkFlowInput.parse(input);
  const flow = deps.flows.get(parsed.flowId as never);
  const accountId = flow.settings.sendingAccountId;
  const adapter = await adapterFor(accountId, deps);
  const contact = sampleContact(parsed, deps);
  const byId = new Map(flow.graph.nodes.map((node) => [node.id as string, node]));
  const nextOf = (nodeId: string, port: string): FlowNode | undefined => {
    const edge = flow.graph.edges.find((candidate) => candidate.source === nodeId && candidate.sourcePort === port);
    return edge ? byId.get(edge.target) : undefined;
  };
  const sent = new Map<number, MessageView>();
  const byNode = new Map<string, MessageView>();
  const now = Date.now();
  const context = (node: FlowNode, phase: 'enter' | 'resume', awaitMessageId: number | null): StepContext => ({
    settings: flow.settings,
    phase,
    enrollment: { id: 0, nodeId: node.id, state: 'active', enteredAt: now, nodeEnteredAt: now, awaitMessageId },
    facts: {
      // The walk happens in an instant: no event has happened since entry.
      countEvents: () => 0,
      messageFromNode: (_enrollment, nodeId) => byNode.get(nodeId) ?? null,
      message: (id) => sent.get(id) ?? null,
      isInSegment: (contactId, segment, _version, at) => contactId > 0 && isInSegment(deps.sqlite, contactId, segment, '', at),
    },
  });

  const steps: WalkedStep[] = [];
  let node: FlowNode | undefined = flow.graph.nodes.find((candidate) => candidate.kind === 'trigger');
  for (let count = 0; node && count < MAX_STEPS; count++) {
    if (node.kind === 'wait') {
      const port = node.config.type === 'event' ? 'timeout' : 'next';
      steps.push({ nodeId: node.id, kind: node.kind, note: node.config.type === 'event' ? `skipped the wait for ${node.config.event} (took its timeout)` : 'skipped the wait' });
      node = nextOf(node.id, port);
      continue;
    }
    let effects = step(node, contact, context(node, 'enter', null), now);
    const walked: WalkedStep = { nodeId: node.id, kind: node.kind, note: effects.note };
    if (effects.send) {
      const send = effects.send;
      const { result } = await sendOutsideFlows(
        adapter,
        { to: parsed.to, channel: send.channel, body: send.body, subject: send.subject, mediaAssetId: send.mediaRef, profileId: flow.settings.sendProfileId },
        deps,
      ).catch((error: unknown) => ({
        result: { ok: false as const, errorClass: 'permanent' as const, code: 'NOT_SENT', message: error instanceof Error ? error.message : String(error) },
      }));
      const id = sent.size + 1;
      const view: MessageView = {
        id,
        nodeId: node.id,
        channel: send.channel,
        // Sent now is as good as delivered for the walk: no fallback timer is waited out.
        status: result.ok ? 'delivered' : 'failed',
        reason: result.ok ? null : result.code,
        errorClass: result.ok ? null : result.errorClass,
        acceptedAt: result.ok ? now : null,
      };
      sent.set(id, view);
      byNode.set(node.id, view);
      walked.message = {
        channel: send.channel,
        body: send.body,
        status: result.ok ? 'queued' : 'failed',
        providerMessageId: result.ok ? result.providerMessageId : null,
        code: result.ok ? null : result.code,
        detail: result.ok ? null : result.message,
      };
      effects = step(node, contact, context(node, 'resume', id), now);
      walked.note = effects.note;
    }
    steps.push(walked);
    const transition = effects.transition;
    if (transition.type !== 'follow') return { accountId, to: parsed.to, steps, ended: transition.type === 'exit' ? transition.reason : 'waiting' };
    node = nextOf(node.id, transition.port);
    if (!node) return { accountId, to: parsed.to, steps, ended: transition.orExit ?? 'no_path' };
  }
  return { accountId, to: parsed.to, steps, ended: node ? 'too_many_steps' : 'completed' };
}

async function adapterFor(accountId: string | null, deps: WalkFlowDeps): Promise<ProviderAdapter> {
  // The simulator's ledger is the live one; a walk must not make up a STOP from the tester's phone
  // (nor a transient refusal, which no retry would follow here).
  if (!accountId) return new SimulatorProvider(deps.sqlite, { stopReplyRate: 0, transientErrorRate: 0 });
  const row = deps.accounts.find(accountId);
  if (!row) throw new PostcardError('CONFLICT', "The flow's sending account is not on this computer; choose one in the flow's settings.");
  return deps.accounts.adapterOf(row);
}

/** The contact the flow is walked as: the sample's own data, else the saved contact with that number. */
function sampleContact(input: ReturnType<typeof WalkFlowInput.parse>, deps: WalkFlowDeps): StepContact {
  const phone = input.samplePhone ?? input.to;
  const row = deps.db.select().from(contacts).where(eq(contacts.phone, phone)).get();
  let stored: Record<string, unknown> = {};
  try {
    const parsed: unknown = row ? JSON.parse(row.attributesJson) : {};
    if (typeof parsed === 'object' && parsed !== null) stored = parsed as Record<string, unknown>;
  } catch {
    stored = {};
  }
  return {
    id: row?.id ?? 0,
    phone,
    attributes: input.attributes ?? stored,
    timeZone: row?.timeZone ?? 'America/New_York',
    mmsCapable: (row?.mmsCapable as MmsCapability | undefined) ?? 'unknown',
  };
}
