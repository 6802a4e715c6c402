import { useRef } from 'react';
import { useStore } from 'zustand';
import { UploadIcon } from '../ui/icons';
import { useMediaLibrary } from './MediaContext';

/** What the file picker offers; the Node side still decides from the bytes, never the name. */
export const ACCEPTED_FILES = 'image/jpeg,image/png,image/webp,image/gif,image/heic,image/heif,image/avif,video/mp4,video/quicktime,.heic,.heif,.mov';

export function ImportButton({ onFiles, label = 'Import media', isPrimary = true }: { onFiles: (files: File[]) => void; label?: string; isPrimary?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={`button${isPrimary ? ' button-primary' : ''}`} onClick={() => input.current?.click()}>
        <UploadIcon /> {label}
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept={ACCEPTED_FILES}
        className="visually-hidden"
        tabIndex={-1}
        aria-label={label}
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          // Reset so choosing the same file again still fires a change.
          event.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
    </>
  );
}

/** The batch in progress: "Importing 2 of 5: beach.jpg". */
export function ImportProgressBar() {
  const progress = useStore(useMediaLibrary().store, (s) => s.progress);
  if (!progress) return null;
  const percent = Math.round((progress.done / progress.total) * 100);
  return (
    <div className="import-progress" role="status">
      <div className="import-progress-text">
        <span className="spinner" aria-hidden="true" />
        Importing {progress.done + 1} of {progress.total}: <strong>{progress.current}</strong>
      </div>
      <div
        className="progress-bar"
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={progress.total}
        aria-valuenow={progress.done}
      >
        <span style={{ width: `${Math.max(4, percent)}%` }} />
      </div>
    </div>
  );
}
