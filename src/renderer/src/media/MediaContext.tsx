import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { MediaAssetSummary } from '../../../shared/api/media';
import type { ProfileId } from '../../../shared/media/profiles';
import { useApi } from '../api/ApiContext';
import { createMediaLibrary, renditionKey, type MediaLibrary, type MediaLibraryState, type RenditionEntry } from './mediaLibrary';

const MediaContext = createContext<MediaLibrary | null>(null);

export function MediaProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [library] = useState(() => createMediaLibrary(api));
  useEffect(() => library.dispose, [library]);
  useEffect(() => {
    // A file dropped beside a drop zone must not make the window navigate to it (and leave the editor).
    const guard = (event: DragEvent): void => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    };
    window.addEventListener('dragover', guard);
    window.addEventListener('drop', guard);
    return () => {
      window.removeEventListener('dragover', guard);
      window.removeEventListener('drop', guard);
    };
  }, []);
  return <MediaContext.Provider value={library}>{children}</MediaContext.Provider>;
}

export function useMediaLibrary(): MediaLibrary {
  const library = useContext(MediaContext);
  if (!library) throw new Error('This component needs a <MediaProvider> above it');
  return library;
}

export function useMediaState<T>(selector: (state: MediaLibraryState) => T): T {
  const library = useMediaLibrary();
  useEffect(() => void library.load(), [library]);
  return useStore(library.store, selector);
}

/** One library asset (undefined while loading or when it is not in the library). */
export function useMediaAsset(id: string | null): MediaAssetSummary | undefined {
  return useMediaState((s) => (id ? s.byId.get(id) : undefined));
}

/** The rendition of an asset for a profile; fetched once, shared by every reader. */
export function useRendition(id: string | null, profileId: ProfileId, withData: boolean): RenditionEntry | undefined {
  const library = useMediaLibrary();
  const entry = useStore(library.store, (s) => (id ? s.renditions.get(renditionKey(id, profileId)) : undefined));
  const isKnown = useMediaState((s) => (id ? s.byId.has(id) : false));
  useEffect(() => {
    if (id && isKnown) library.ensureRendition(id, profileId, withData);
  }, [library, id, profileId, withData, isKnown]);
  return entry;
}
