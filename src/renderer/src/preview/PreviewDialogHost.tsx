import { lazy, Suspense } from 'react';
import { useStore } from 'zustand';
import { previewDialogState } from './previewDialogState';

// Loaded on first open: the canvas bundle stays as small as it was.
const PreviewDialog = lazy(() => import('./PreviewDialog').then((module) => ({ default: module.PreviewDialog })));

export function PreviewDialogHost() {
  const isOpen = useStore(previewDialogState, (s) => s.isOpen);
  return isOpen ? (
    <Suspense fallback={null}>
      <PreviewDialog />
    </Suspense>
  ) : null;
}
