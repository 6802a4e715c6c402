/** Saving is a download, which both the browser and the Electron window offer. */
export function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
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
