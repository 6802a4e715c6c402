import { useCallback, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlowNode } from '../../../../shared/graph/graph';
import { definitionOf, portsOf, type NodeConfigByKind, type NodeKind } from '../../../../shared/graph/nodes';
import { AlertIcon, ErrorIcon, TrashIcon, kindIcons } from '../../ui/icons';
import { useFlowActions, useFlowStore } from '../store/FlowEditorContext';
import { BranchEditor } from './BranchEditor';
import { Section, TextField } from './fields';
import { MmsEditor, SmsEditor } from './MessageEditors';
import { SplitEditor } from './SplitEditor';
import { TriggerEditor } from './TriggerEditor';
import { WaitEditor } from './WaitEditor';

/** Edits the one selected step: its label, its kind's settings, and where each output leads. */
export function Inspector({ nodeId }: { nodeId: string }) {
  // Read what the inspector shows, not the node object: dragging a step replaces the object
  // on every frame and must not re-render the whole inspector.
  const kind = useFlowStore((s) => s.graph.nodes.find((n) => n.id === nodeId)?.kind);
  const label = useFlowStore((s) => s.graph.nodes.find((n) => n.id === nodeId)?.label);
  const config = useFlowStore((s) => s.graph.nodes.find((n) => n.id === nodeId)?.config);
  const actions = useFlowActions();

  const onConfigChange = useCallback(
    (update: (config: never) => unknown, merge?: string) =>
      actions.updateNode(
        nodeId,
        (n) => ({ ...n, config: update(n.config as never) }) as FlowNode,
        merge ? { merge: `${nodeId}:${merge}` } : 'record',
      ),
    [actions, nodeId],
  );

  if (!kind || config === undefined) return null;
  const definition = definitionOf(kind);
  const Icon = kindIcons[kind];

  return (
    <div className="inspector" aria-label={`${definition.label} step settings`} role="region">
      <header className={`inspector-header kind-${kind}`}>
        <span className="node-icon">
          <Icon size={16} />
        </span>
        <div>
          <h2 className="panel-title">{definition.label} step</h2>
          <p className="panel-hint">{definition.description}</p>
        </div>
        <button
          type="button"
          className="icon-button icon-button-danger"
          aria-label="Delete step"
          title="Delete step (Delete)"
          onClick={() => {
            actions.select([nodeId]);
            actions.deleteSelection();
          }}
        >
          <TrashIcon />
        </button>
      </header>
      <TextField
        label="Step name"
        value={label ?? ''}
        maxLength={120}
        placeholder={definition.label}
        onChange={(label) => actions.updateNode(nodeId, (n) => ({ ...n, label }), { merge: `${nodeId}:label` })}
      />
      <NodeIssues nodeId={nodeId} />
      <ConfigEditor kind={kind} nodeId={nodeId} config={config} onChange={onConfigChange} />
      <Connections nodeId={nodeId} kind={kind} config={config} />
    </div>
  );
}

function ConfigEditor({
  kind,
  nodeId,
  config,
  onChange,
}: {
  kind: NodeKind;
  nodeId: string;
  config: NodeConfigByKind[NodeKind];
  onChange: (update: (config: never) => unknown, merge?: string) => void;
}) {
  // Each editor receives its own kind's config; the casts are safe because `kind` is the node's kind.
  switch (kind) {
    case 'trigger':
      return <TriggerEditor nodeId={nodeId} config={config as NodeConfigByKind['trigger']} onChange={onChange} />;
    case 'wait':
      return <WaitEditor nodeId={nodeId} config={config as NodeConfigByKind['wait']} onChange={onChange} />;
    case 'mms':
      return <MmsEditor nodeId={nodeId} config={config as NodeConfigByKind['mms']} onChange={onChange} />;
    case 'sms':
      return <SmsEditor nodeId={nodeId} config={config as NodeConfigByKind['sms']} onChange={onChange} />;
    case 'branch':
      return <BranchEditor nodeId={nodeId} config={config as NodeConfigByKind['branch']} onChange={onChange} />;
    case 'split':
      return <SplitEditor nodeId={nodeId} config={config as NodeConfigByKind['split']} onChange={onChange} />;
    case 'exit':
      return (
        <Section title="Exit">
          <TextField
            label="Reason"
            value={(config as NodeConfigByKind['exit']).reason}
            maxLength={200}
            placeholder="e.g. completed"
            hint="Recorded with the contact when they leave here; useful in reports."
            onChange={(reason) => onChange(((c: NodeConfigByKind['exit']) => ({ ...c, reason })) as never, 'reason')}
          />
        </Section>
      );
  }
}

function NodeIssues({ nodeId }: { nodeId: string }) {
  const validation = useFlowStore((s) => s.validation);
  const issues = validation.issues.filter((i) => i.nodeId === nodeId);
  if (issues.length === 0) return null;
  return (
    <ul className="node-issues" aria-label="Problems with this step">
      {issues.map((issue, index) => (
        <li key={`${issue.code}:${index}`} className={`node-issue is-${issue.severity}`}>
          {issue.severity === 'error' ? <ErrorIcon /> : <AlertIcon />}
          <span>{issue.message}</span>
        </li>
      ))}
    </ul>
  );
}

/** Where each output leads — the keyboard's way to wire steps, and a readable summary for everyone. */
function Connections({ nodeId, kind, config }: { nodeId: string; kind: NodeKind; config: NodeConfigByKind[NodeKind] }) {
  const targets = useTargetOptions(nodeId);
  const edges = useFlowStore((s) => s.graph.edges);
  const actions = useFlowActions();
  const ports = portsOf(kind, config);
  if (ports.length === 0) return null;
  const node = { id: nodeId };
  return (
    <Section title="Outputs">
      {ports.map((port) => {
        const edge = edges.find((e) => e.source === node.id && e.sourcePort === port.id);
        const id = `out-${node.id}-${port.id}`;
        return (
          <div className="field" key={port.id}>
            <label htmlFor={id}>{port.label} goes to</label>
            <select
              id={id}
              className="input select"
              value={edge?.target ?? ''}
              onChange={(event) => {
                if (event.target.value) actions.connect(node.id, port.id, event.target.value);
                else actions.disconnect(node.id, port.id);
              }}
            >
              <option value="">Not connected</option>
              {targets.map((target) => (
                <option key={target.id} value={target.id}>
                  {target.text}
                </option>
              ))}
            </select>
          </div>
        );
      })}
    </Section>
  );
}

/**
 * The steps an output can lead to, as "id\u0000text" keys compared element by element: the list
 * (and its hundreds of <option>s) re-renders when a step is added, removed or renamed, never
 * because one was dragged.
 */
function useTargetOptions(nodeId: string): Array<{ id: string; text: string }> {
  const keys = useFlowStore(
    useShallow((s) =>
      s.graph.nodes
        .filter((n) => n.id !== nodeId && definitionOf(n.kind).hasInput)
        .map((n) => `${n.id}\u0000${n.label || definitionOf(n.kind).label} (${definitionOf(n.kind).label})`),
    ),
  );
  return useMemo(
    () =>
      keys.map((key) => {
        const [id = '', text = ''] = key.split('\u0000');
        return { id, text };
      }),
    [keys],
  );
}
