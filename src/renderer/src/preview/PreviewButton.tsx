import { useFlowStore } from '../editor/store/FlowEditorContext';
import { openFullPreview } from './previewDialogState';

/** Toolbar button: the full preview of the open flow, on the selected step when it is a message or a split. */
export function PreviewButton() {
  const selected = useFlowStore((s) => (s.selectedNodeIds.size === 1 ? ([...s.selectedNodeIds][0] ?? null) : null));
  return (
    <button type="button" className="button" onClick={() => openFullPreview(selected)} title="See each message on an iPhone and an Android phone">
      <PhoneGlyph /> Preview
    </button>
  );
}

function PhoneGlyph() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" aria-hidden="true">
      <rect x="6" y="2" width="12" height="20" rx="2.5" />
      <path d="M11 18h2" />
    </svg>
  );
}
