import { z } from 'zod';
import { FlowEdge, FlowNode } from '../../../../shared/graph/graph';
import type { ClipboardPayload } from '../store/flowStore';

/**
 * Copy/paste of steps. The system clipboard carries a JSON payload so steps can move between
 * windows; an in-memory copy backs it up where the clipboard is unavailable (permissions,
 * headless) so paste between two flows in one window always works. Pasted data is untrusted
 * and parsed with the graph's own schemas.
 */
export const CLIPBOARD_FORMAT = 'postcard.clipboard';

const ClipboardSchema = z.object({
  format: z.literal(CLIPBOARD_FORMAT),
  nodes: z.array(FlowNode).max(5000),
  edges: z.array(FlowEdge).max(10000),
});

let memory: ClipboardPayload | null = null;
let pasteCount = 0;

export function remember(payload: ClipboardPayload): string {
  memory = payload;
  pasteCount = 0;
  return JSON.stringify(payload);
}

export function parseClipboardText(text: string): ClipboardPayload | null {
  if (!text.includes(CLIPBOARD_FORMAT)) return null;
  try {
    const parsed = ClipboardSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as ClipboardPayload) : null;
  } catch {
    return null;
  }
}

export function fromMemory(): ClipboardPayload | null {
  return memory;
}

/** Each paste of the same copy lands a little further along, so copies do not stack invisibly. */
export function nextPasteOffset(): { x: number; y: number } {
  pasteCount += 1;
  return { x: 40 * pasteCount, y: 40 * pasteCount };
}

export async function writeSystemClipboard(text: string): Promise<void> {
  try {
    await navigator.clipboard?.writeText(text);
  } catch {
    // No permission or no focus: the in-memory copy still serves paste in this window.
  }
}
