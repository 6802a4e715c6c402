import type { NodeConfigByKind, NodeKind } from '../../../../shared/graph/nodes';

export interface ConfigEditorProps<K extends NodeKind> {
  nodeId: string;
  config: NodeConfigByKind[K];
  /** `merge` names a field being typed into: keystrokes in a row become one undo step. */
  onChange: (update: (config: NodeConfigByKind[K]) => NodeConfigByKind[K], merge?: string) => void;
}
