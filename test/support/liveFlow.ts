import type { FlowDetail } from '../../src/shared';
import { edge, graph, node } from './graphs';

type Call = <T>(method: string, input: unknown) => Promise<T>;

/** A published flow (manual trigger → one SMS → exit) that sends through `accountId` (null: the simulator), with quiet hours off so it sends at any hour. */
export async function publishSmsFlowOn(call: Call, accountId: string | null, name: string, body = 'Hello'): Promise<FlowDetail> {
  const flow = await call<FlowDetail>('flows.create', { name });
  await call('flows.saveDraft', {
    id: flow.id,
    settings: { ...flow.settings, sendingAccountId: accountId, quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
    graph: graph([node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body }), node('x', 'exit')], [edge('t', 'next', 's'), edge('s', 'next', 'x')]),
  });
  await call('flows.publish', { id: flow.id });
  return flow;
}
