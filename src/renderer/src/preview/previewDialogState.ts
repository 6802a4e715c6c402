import { createStore } from 'zustand/vanilla';

/** Whether the full preview is open, and on which step; the inspector and the toolbar both open it. */
export const previewDialogState = createStore<{ isOpen: boolean; nodeId: string | null }>()(() => ({ isOpen: false, nodeId: null }));

export const openFullPreview = (nodeId: string | null): void => previewDialogState.setState({ isOpen: true, nodeId });
export const closeFullPreview = (): void => previewDialogState.setState({ isOpen: false });
