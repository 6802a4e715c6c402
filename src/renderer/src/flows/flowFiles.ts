/**
 * Flow files in the app: the same JSON document `postcard flows export` writes and `flows import`
 * reads. Saving is a download, which both the browser and the Electron window offer.
 */
import { downloadText } from '../ui/download';

/** A file name from the flow's name: letters, digits and dashes, never empty. */
export function flowFileName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${slug || 'flow'}.postcard.json`;
}

export function downloadJson(value: unknown, fileName: string): void {
  downloadText(`${JSON.stringify(value, null, 2)}\n`, fileName, 'application/json');
}

/** Files past this are no flow (a document is at most 5 MB); refused before they are read. */
const MAX_FLOW_FILE_BYTES = 6 * 1024 * 1024;

export async function readJsonFile(file: File): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  if (file.size > MAX_FLOW_FILE_BYTES) return { ok: false, message: `the file is ${(file.size / 1024 / 1024).toFixed(1)} MB; a flow file is at most 5 MB` };
  let text: string;
  try {
    text = await file.text();
  } catch {
    return { ok: false, message: 'the file could not be read' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `it is not JSON (${error instanceof Error ? error.message : 'unreadable'})` };
  }
}
