import { useId, useMemo, useState } from 'react';
import { Dialog, DialogActions } from '../ui/Dialog';
import { ImageIcon, SearchIcon } from '../ui/icons';
import { announceImports, assetFacts } from './format';
import { ImportButton, ImportProgressBar } from './ImportControls';
import { useMediaLibrary, useMediaState } from './MediaContext';
import { MediaThumb } from './MediaThumb';
import { useFileDrop } from './useFileDrop';

/** Pick an asset from the library for an MMS, or import one (it is picked once imported). */
export function MediaPickerDialog({ currentId, onPick, onClose }: { currentId: string | null; onPick: (id: string) => void; onClose: () => void }) {
  const library = useMediaLibrary();
  const assets = useMediaState((s) => s.assets);
  const status = useMediaState((s) => s.status);
  const [search, setSearch] = useState('');
  const searchId = useId();
  const shown = useMemo(() => {
    const query = search.trim().toLowerCase();
    return query ? assets.filter((asset) => asset.name.toLowerCase().includes(query)) : assets;
  }, [assets, search]);
  const importAndPick = (files: File[]): void => {
    void library.importFiles(files).then((outcomes) => {
      announceImports(outcomes);
      const first = outcomes.find((outcome) => outcome.ok);
      if (first?.ok) onPick(first.value.asset.id);
    });
  };
  const drop = useFileDrop(importAndPick);
  return (
    <Dialog title="Choose media" onClose={onClose} className="media-picker">
      <div {...drop.handlers} className={drop.isOver ? 'is-drop-target' : undefined}>
        <div className="media-picker-toolbar">
          <label className="search-field" htmlFor={searchId}>
            <SearchIcon />
            <span className="visually-hidden">Search media</span>
            <input id={searchId} className="input" type="search" placeholder="Search by name" value={search} onChange={(e) => setSearch(e.target.value)} autoFocus />
          </label>
          <ImportButton onFiles={importAndPick} label="Upload" isPrimary={false} />
        </div>
        <ImportProgressBar />
        {status === 'ready' && assets.length === 0 ? (
          <div className="media-empty">
            <ImageIcon size={32} />
            <h2>The library is empty</h2>
            <p>Upload an image, GIF or video, or drop it here.</p>
          </div>
        ) : (
          <ul className="media-picker-grid" aria-label="Library">
            {shown.map((asset) => (
              <li key={asset.id}>
                <button
                  type="button"
                  className={`media-card${asset.id === currentId ? ' is-selected' : ''}`}
                  aria-label={`Use ${asset.name}, ${assetFacts(asset)}`}
                  onClick={() => onPick(asset.id)}
                >
                  <MediaThumb asset={asset} size="medium" />
                  <span className="media-card-name">{asset.name}</span>
                  <span className="media-card-facts">{assetFacts(asset)}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <DialogActions onCancel={onClose} />
    </Dialog>
  );
}
