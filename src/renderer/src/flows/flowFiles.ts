/**
 * Flow files in the app: the same JSON document `postcard flows export` writes and `flows import`
 * reads. Saving is a download, which both the browser and the Electron window offer.
 */

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
  const url = URL.createObjectURL(new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once started; the next turn is late enough to let go.
  setTimeout(() => URL.revokeObjectURL(url), 0);
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
