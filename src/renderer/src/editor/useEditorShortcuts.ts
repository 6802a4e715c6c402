import { useEffect } from 'react';
import { fromMemory, nextPasteOffset, parseClipboardText, remember, writeSystemClipboard } from './canvas/clipboard';
import type { FlowEditor } from './store/flowStore';

export interface ShortcutHandlers {
  onHelp: () => void;
  onLayout: () => void;
  onFitView: () => void;
}

/** Typing in a field keeps the field's own keys (undo, select all, delete a character). */
function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color'].includes(target.type);
  return false;
}

const isDialogOpen = (): boolean => document.querySelector('dialog[open]') !== null;

export function useEditorShortcuts(editor: FlowEditor, handlers: ShortcutHandlers): void {
  useEffect(() => {
    const { actions } = editor;

    // Some shells deliver no `paste` event when nothing editable has focus; then Ctrl/⌘+V falls
    // back to the in-memory copy.
    let pendingPaste: ReturnType<typeof setTimeout> | null = null;

    const copy = (): string | null => {
      const payload = actions.copySelection();
      return payload ? remember(payload) : null;
    };

    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || isEditable(event.target) || isDialogOpen()) return;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (mod && key === 'z') {
        event.preventDefault();
        if (event.shiftKey) actions.redo();
        else actions.undo();
      } else if (mod && key === 'y') {
        event.preventDefault();
        actions.redo();
      } else if (mod && key === 'a') {
        event.preventDefault();
        actions.selectAll();
      } else if (mod && key === 'd') {
        event.preventDefault();
        actions.duplicateSelection();
      } else if (mod && key === 'c') {
        // The `copy` event below fills the clipboard; this also covers shells where it does not fire.
        const text = copy();
        if (text) void writeSystemClipboard(text);
      } else if (mod && key === 'v') {
        if (pendingPaste) clearTimeout(pendingPaste);
        pendingPaste = setTimeout(() => {
          pendingPaste = null;
          const payload = fromMemory();
          if (payload) actions.paste(payload, nextPasteOffset());
        }, 100);
      } else if (!mod && !event.altKey && (event.key === 'Delete' || event.key === 'Backspace')) {
        event.preventDefault();
        actions.deleteSelection();
      } else if (!mod && !event.altKey && event.key === '?') {
        event.preventDefault();
        handlers.onHelp();
      } else if (!mod && !event.altKey && key === 'l') {
        event.preventDefault();
        handlers.onLayout();
      } else if (!mod && !event.altKey && key === 'f') {
        event.preventDefault();
        handlers.onFitView();
      }
    };

    const onCopy = (event: ClipboardEvent): void => {
      if (isEditable(event.target) || isDialogOpen()) return;
      const text = copy();
      if (!text || !event.clipboardData) return;
      event.clipboardData.setData('text/plain', text);
      event.preventDefault();
    };

    const onPaste = (event: ClipboardEvent): void => {
      if (pendingPaste) clearTimeout(pendingPaste);
      pendingPaste = null;
      if (isEditable(event.target) || isDialogOpen()) return;
      const text = event.clipboardData?.getData('text/plain') ?? '';
      // Steps from the system clipboard (maybe another window) first, else the copy kept in memory.
      const payload = parseClipboardText(text) ?? fromMemory();
      if (!payload) return;
      event.preventDefault();
      actions.paste(payload, nextPasteOffset());
    };

    window.addEventListener('keydown', onKeyDown);
    document.addEventListener('copy', onCopy);
    document.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('paste', onPaste);
      if (pendingPaste) clearTimeout(pendingPaste);
    };
  }, [editor, handlers]);
}

export const shortcutList: ReadonlyArray<{ keys: string; action: string }> = [
  { keys: 'Ctrl/⌘ + Z', action: 'Undo' },
  { keys: 'Ctrl/⌘ + Shift + Z, Ctrl + Y', action: 'Redo' },
  { keys: 'Delete, Backspace', action: 'Delete the selection' },
  { keys: 'Ctrl/⌘ + A', action: 'Select everything' },
  { keys: 'Ctrl/⌘ + C, Ctrl/⌘ + V', action: 'Copy and paste steps (also into another flow)' },
  { keys: 'Ctrl/⌘ + D', action: 'Duplicate the selection' },
  { keys: 'Shift + drag', action: 'Select with a box' },
  { keys: 'Ctrl/⌘ + click', action: 'Add to the selection' },
  { keys: 'Arrow keys', action: 'Move the selected steps' },
  { keys: 'L', action: 'Tidy up (auto-layout)' },
  { keys: 'F', action: 'Fit the flow into view' },
  { keys: 'Enter (on a palette step)', action: 'Add that step to the canvas' },
  { keys: '?', action: 'Show this list' },
];
