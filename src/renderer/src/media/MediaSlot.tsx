import { useCallback, useState } from 'react';
import { ImageIcon } from '../ui/icons';
import { announceImports, assetFacts, kindBadge } from './format';
import { ImportButton, ImportProgressBar } from './ImportControls';
import { useMediaAsset, useMediaLibrary, useMediaState } from './MediaContext';
import { MediaPickerDialog } from './MediaPickerDialog';
import { MediaThumb } from './MediaThumb';
import { SizeBadge } from './SizeBadge';
import { useFileDrop } from './useFileDrop';

/** The MMS inspector's media field: pick from the library, upload, or drop a file; replace or remove. */
export function MediaSlot({ assetId, onChange }: { assetId: string | null; onChange: (assetId: string | null) => void }) {
  const library = useMediaLibrary();
  const asset = useMediaAsset(assetId);
  const isLoaded = useMediaState((s) => s.status === 'ready');
  const [isPicking, setIsPicking] = useState(false);
  const importAndAttach = useCallback(
    (files: File[]) => {
      // One MMS carries one media part: the first file that imports is attached.
      void library.importFiles(files.slice(0, 1)).then((outcomes) => {
        announceImports(outcomes);
        const first = outcomes[0];
        if (first?.ok) onChange(first.value.asset.id);
      });
    },
    [library, onChange],
  );
  const drop = useFileDrop(importAndAttach);
  const picker = isPicking ? (
    <MediaPickerDialog
      currentId={assetId}
      onClose={() => setIsPicking(false)}
      onPick={(id) => {
        setIsPicking(false);
        onChange(id);
      }}
    />
  ) : null;

  return (
    <div className="field">
      <span className="field-label" id="media-slot-label">
        Media
      </span>
      {assetId ? (
        <div className={`media-attached${drop.isOver ? ' is-drop-target' : ''}`} role="group" aria-labelledby="media-slot-label" {...drop.handlers}>
          {asset ? <MediaThumb asset={asset} size="small" /> : null}
          <div className="media-attached-text">
            <span className="media-attached-name">{asset ? asset.name : isLoaded ? 'Missing from the library' : 'Loading…'}</span>
            {asset ? (
              <span className="media-attached-facts">
                {assetFacts(asset)}
                {kindBadge(asset) ? ` · ${kindBadge(asset)}` : ''}
              </span>
            ) : null}
            {asset ? <SizeBadge assetId={assetId} /> : null}
            <span className="media-attached-actions">
              <button type="button" className="button button-small" onClick={() => setIsPicking(true)}>
                Replace
              </button>
              <button type="button" className="button button-small button-ghost" onClick={() => onChange(null)}>
                Remove
              </button>
            </span>
          </div>
        </div>
      ) : (
        <div className={`media-slot${drop.isOver ? ' is-drop-target' : ''}`} role="group" aria-labelledby="media-slot-label" {...drop.handlers}>
          <ImageIcon size={28} />
          <span className="media-slot-title">Drop an image, GIF or video</span>
          <span className="media-slot-note">Optimised for each carrier’s size limit when sent</span>
          <span className="media-slot-actions">
            <button type="button" className="button button-small" onClick={() => setIsPicking(true)}>
              Choose from library
            </button>
            <ImportButton onFiles={importAndAttach} label="Upload" isPrimary={false} />
          </span>
        </div>
      )}
      <ImportProgressBar />
      {picker}
    </div>
  );
}
