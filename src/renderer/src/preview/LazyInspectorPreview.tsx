import { lazy, Suspense, type ComponentProps } from 'react';

// The phones load with the first MMS or SMS opened in the inspector, not with the canvas.
const InspectorPreview = lazy(() => import('./InspectorPreview').then((module) => ({ default: module.InspectorPreview })));

export function LazyInspectorPreview(props: ComponentProps<typeof InspectorPreview>) {
  return (
    <Suspense fallback={<p className="muted">Loading the preview…</p>}>
      <InspectorPreview {...props} />
    </Suspense>
  );
}
