import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { FlowActions, FlowEditor, FlowEditorState } from './flowStore';

const FlowEditorContext = createContext<FlowEditor | null>(null);

export function FlowEditorProvider({ editor, children }: { editor: FlowEditor; children: ReactNode }) {
  return <FlowEditorContext.Provider value={editor}>{children}</FlowEditorContext.Provider>;
}

export function useFlowEditor(): FlowEditor {
  const editor = useContext(FlowEditorContext);
  if (!editor) throw new Error('This component needs a <FlowEditorProvider> above it');
  return editor;
}

/** Read one slice of the open flow's store; the component re-renders only when that slice changes. */
export function useFlowStore<T>(selector: (state: FlowEditorState) => T): T {
  return useStore(useFlowEditor().store, selector);
}

export function useFlowActions(): FlowActions {
  return useFlowEditor().actions;
}

export function useHistoryState(): { canUndo: boolean; canRedo: boolean } {
  const { store } = useFlowEditor();
  const canUndo = useStore(store.temporal, (s) => s.pastStates.length > 0);
  const canRedo = useStore(store.temporal, (s) => s.futureStates.length > 0);
  return { canUndo, canRedo };
}
