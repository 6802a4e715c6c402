import type { NodeProps } from '@xyflow/react';
import { memo, type ComponentType } from 'react';
import type { NodeKind } from '../../../../shared/graph/nodes';
import { NodeCardMedia } from '../../media/NodeCardMedia';
import { NodeCard } from './NodeCard';
import { excerpt, triggerSummary, waitSummary } from './summaries';
import type { CanvasNode } from './types';

/**
 * One memoized component per node kind. `nodeTypes` is keyed by the NodeKind union, so adding
 * a kind to src/shared without a component here fails to compile. The map is a module constant:
 * React Flow re-creates every node when it receives a new nodeTypes object.
 */

const TriggerNode = memo(function TriggerNode({ id, data, selected, height }: NodeProps<CanvasNode<'trigger'>>) {
  return (
    <NodeCard id={id} kind="trigger" data={data} isSelected={selected} height={height}>
      {triggerSummary(data.config)}
    </NodeCard>
  );
});

const WaitNode = memo(function WaitNode({ id, data, selected, height }: NodeProps<CanvasNode<'wait'>>) {
  return (
    <NodeCard id={id} kind="wait" data={data} isSelected={selected} height={height}>
      {waitSummary(data.config)}
    </NodeCard>
  );
});

const MmsNode = memo(function MmsNode({ id, data, selected, height }: NodeProps<CanvasNode<'mms'>>) {
  const { subject, body, mediaAssetId } = data.config;
  return (
    <NodeCard id={id} kind="mms" data={data} isSelected={selected} height={height}>
      {subject.trim() ? <strong className="node-subject">{excerpt(subject, 40)}</strong> : null}
      <span>{body.trim() ? excerpt(body) : 'No message text yet'}</span>
      <NodeCardMedia assetId={mediaAssetId} />
    </NodeCard>
  );
});

const SmsNode = memo(function SmsNode({ id, data, selected, height }: NodeProps<CanvasNode<'sms'>>) {
  return (
    <NodeCard id={id} kind="sms" data={data} isSelected={selected} height={height}>
      {data.config.body.trim() ? excerpt(data.config.body) : 'No message text yet'}
    </NodeCard>
  );
});

const BranchNode = memo(function BranchNode({ id, data, selected, height }: NodeProps<CanvasNode<'branch'>>) {
  const count = data.config.conditions.length;
  return (
    <NodeCard id={id} kind="branch" data={data} isSelected={selected} height={height}>
      {count === 0 ? 'No conditions' : `${count} condition${count === 1 ? '' : 's'}, then else`}
    </NodeCard>
  );
});

const SplitNode = memo(function SplitNode({ id, data, selected, height }: NodeProps<CanvasNode<'split'>>) {
  return (
    <NodeCard id={id} kind="split" data={data} isSelected={selected} height={height}>
      {data.config.variants.map((v) => `${v.label || v.id} ${v.weight}%${v.isHoldout ? ' (holdout)' : ''}`).join(' · ')}
    </NodeCard>
  );
});

const ExitNode = memo(function ExitNode({ id, data, selected, height }: NodeProps<CanvasNode<'exit'>>) {
  return (
    <NodeCard id={id} kind="exit" data={data} isSelected={selected} height={height}>
      {data.config.reason.trim() ? `Reason: ${excerpt(data.config.reason, 60)}` : 'Contacts leave the flow'}
    </NodeCard>
  );
});

export const nodeTypes = {
  trigger: TriggerNode,
  wait: WaitNode,
  mms: MmsNode,
  sms: SmsNode,
  branch: BranchNode,
  split: SplitNode,
  exit: ExitNode,
} satisfies { [K in NodeKind]: ComponentType<NodeProps<CanvasNode<K>>> };
