import { useCallback, useId, useMemo, useState } from 'react';
import type { MediaAssetSummary } from '../../../shared/api/media';
import { DEFAULT_PROFILE_ID } from '../../../shared/media/profiles';
import { SizeMeter } from '../preview/SizeMeter';
import { ConfirmDialog } from '../ui/Dialog';
import { CloseIcon, ImageIcon, SearchIcon, TrashIcon } from '../ui/icons';
import { relativeTime } from '../ui/relativeTime';
import { announceImports, assetFacts, kindBadge } from './format';
import { ImportButton, ImportProgressBar } from './ImportControls';
import { useMediaLibrary, useMediaState } from './MediaContext';
import { MediaThumb } from './MediaThumb';
import { showToast } from './toasts';
import { useFileDrop } from './useFileDrop';

/** The media library: import (drop or pick, one or many), browse, inspect the size meter, delete. */
export function MediaLibraryPage() {
  const library = useMediaLibrary();
  const status = useMediaState((s) => s.status);
  const error = useMediaState((s) => s.error);
  const assets = useMediaState((s) => s.assets);
  const isImporting = useMediaState((s) => s.progress !== null);
  const [search, setSearch] = useState('');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [pendingDelete, setPendingDelete] = useState<MediaAssetSummary | null>(null);
  const searchId = useId();

  const importFiles = useCallback(
    (files: File[]) => {
      void library.importFiles(files).then((outcomes) => {
        announceImports(outcomes);
        const last = [...outcomes].reverse().find((outcome) => outcome.ok);
        if (last?.ok) setSelectedId(last.value.asset.id);
      });
    },
    [library],
  );
  const drop = useFileDrop(importFiles);

  const shown = useMemo(() => {
    const query = search.trim().toLowerCase();
    return query ? assets.filter((asset) => asset.name.toLowerCase().includes(query)) : assets;
  }, [assets, search]);
  const selected = assets.find((asset) => asset.id === selectedId) ?? null;

  const remove = async (asset: MediaAssetSummary): Promise<void> => {
    setPendingDelete(null);
    const result = await library.remove(asset.id);
    if (result.ok) {
      showToast({ kind: 'success', title: `Deleted ${asset.name}` });
      if (selectedId === asset.id) setSelectedId(null);
    } else {
      showToast({ kind: 'error', title: `${asset.name} was not deleted`, message: result.error.message, code: result.error.code });
    }
  };

  return (
    <main className={`page media-page${drop.isOver ? ' is-drop-target' : ''}`} {...drop.handlers}>
      <header className="page-header">
        <div>
          <h1 className="page-title">Media library</h1>
          <p className="page-subtitle">Images, GIFs and clips, optimised per carrier for every MMS they go into.</p>
        </div>
        <ImportButton onFiles={importFiles} />
      </header>
      <ImportProgressBar />
      <div className="toolbar-row">
        <label className="search-field" htmlFor={searchId}>
          <SearchIcon />
          <span className="visually-hidden">Search media</span>
          <input id={searchId} className="input" type="search" placeholder="Search by name" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <span className="muted">{assets.length === 1 ? '1 file' : `${assets.length} files`}</span>
      </div>
      {status === 'error' && error ? (
        <div className="callout callout-error" role="alert">
          The library could not be loaded: {error.message}
        </div>
      ) : null}
      <div className="media-layout">
        <section className="media-browser" aria-label="Media files">
          {status === 'ready' && assets.length === 0 && !isImporting ? (
            <div className="media-empty">
              <ImageIcon size={36} />
              <h2>Drop images, GIFs or video here</h2>
              <p>JPEG, PNG, WebP, GIF (animated too), HEIC and MP4/MOV. Postcard checks each file, strips its location data and makes a version for every carrier limit.</p>
              <ImportButton onFiles={importFiles} label="Choose files" isPrimary={false} />
            </div>
          ) : (
            <ul className="media-grid" aria-label="Media">
              {shown.map((asset) => (
                <li key={asset.id}>
                  <button
                    type="button"
                    className={`media-card${asset.id === selectedId ? ' is-selected' : ''}`}
                    aria-pressed={asset.id === selectedId}
                    aria-label={`${asset.name}, ${assetFacts(asset)}`}
                    onClick={() => setSelectedId(asset.id)}
                  >
                    <MediaThumb asset={asset} size="large" />
                    <span className="media-card-name" title={asset.name}>
                      {asset.name}
                    </span>
                    <span className="media-card-facts">{assetFacts(asset)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {drop.isOver ? (
            <div className="drop-overlay" aria-hidden="true">
              Drop to import
            </div>
          ) : null}
        </section>
        {selected ? (
          <aside className="media-detail" aria-label={`Details of ${selected.name}`}>
            <header className="media-detail-header">
              <h2 className="panel-title" title={selected.name}>
                {selected.name}
              </h2>
              <button type="button" className="icon-button" aria-label="Close details" onClick={() => setSelectedId(null)}>
                <CloseIcon />
              </button>
            </header>
            <MediaThumb asset={selected} size="hero" />
            <dl className="media-facts">
              <dt>Type</dt>
              <dd>{selected.format.toUpperCase()}{kindBadge(selected) ? ` · ${kindBadge(selected)}` : ''}</dd>
              <dt>Size</dt>
              <dd>{selected.width}×{selected.height} px · {assetFacts(selected).split(' · ')[2]}</dd>
              <dt>Added</dt>
              <dd>{relativeTime(selected.createdAt)}</dd>
            </dl>
            <h3 className="media-detail-subtitle">Size meter</h3>
            <SizeMeter assetId={selected.id} profileId={DEFAULT_PROFILE_ID} />
            <button type="button" className="button button-danger" onClick={() => setPendingDelete(selected)}>
              <TrashIcon /> Delete from library
            </button>
          </aside>
        ) : null}
      </div>
      {pendingDelete ? (
        <ConfirmDialog
          title="Delete this file?"
          message={
            <p>
              <strong>{pendingDelete.name}</strong> and its optimised versions leave the library. MMS steps that use it will show a problem until they get new media.
            </p>
          }
          confirmLabel="Delete"
          isDestructive
          onConfirm={() => void remove(pendingDelete)}
          onCancel={() => setPendingDelete(null)}
        />
      ) : null}
    </main>
  );
}
