import { z } from 'zod';
import type { EdgeId, NodeId } from '../ids';
import {
  BranchNodeConfig,
  ExitNodeConfig,
  MmsNodeConfig,
  SmsNodeConfig,
  SplitNodeConfig,
  TriggerNodeConfig,
  WaitNodeConfig,
  type NodeConfigByKind,
  type NodeKind,
} from './nodes';

export const MAX_NODES = 5_000;
export const MAX_EDGES = 10_000;

const elementId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'ids may use letters, digits, "_" and "-"');
const nodeId = elementId.transform((value) => value as NodeId);
const edgeId = elementId.transform((value) => value as EdgeId);

const Position = z.object({
  x: z.number().finite().min(-1e6).max(1e6),
  y: z.number().finite().min(-1e6).max(1e6),
});

const base = { id: nodeId, position: Position, label: z.string().max(120).optional() };

export const FlowNode = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('trigger'), config: TriggerNodeConfig }),
  z.object({ ...base, kind: z.literal('wait'), config: WaitNodeConfig }),
  z.object({ ...base, kind: z.literal('mms'), config: MmsNodeConfig }),
  z.object({ ...base, kind: z.literal('sms'), config: SmsNodeConfig }),
  z.object({ ...base, kind: z.literal('branch'), config: BranchNodeConfig }),
  z.object({ ...base, kind: z.literal('split'), config: SplitNodeConfig }),
  z.object({ ...base, kind: z.literal('exit'), config: ExitNodeConfig }),
]);
export type FlowNode = z.infer<typeof FlowNode>;
export type FlowNodeOf<K extends NodeKind> = Extract<FlowNode, { kind: K }> & { config: NodeConfigByKind[K] };

export const FlowEdge = z.object({
  id: edgeId,
  source: nodeId,
  sourcePort: z.string().min(1).max(64),
  target: nodeId,
});
export type FlowEdge = z.infer<typeof FlowEdge>;

export const FlowGraph = z.object({
  nodes: z.array(FlowNode).max(MAX_NODES, `a flow holds at most ${MAX_NODES} nodes`),
  edges: z.array(FlowEdge).max(MAX_EDGES, `a flow holds at most ${MAX_EDGES} edges`),
});
export type FlowGraph = z.infer<typeof FlowGraph>;

export const emptyGraph = (): FlowGraph => ({ nodes: [], edges: [] });
