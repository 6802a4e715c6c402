import { createStore, type StoreApi } from 'zustand/vanilla';
import { MAX_MEDIA_FILE_BYTES, MAX_UPLOAD_BASE64_CHARS, type MediaAssetSummary, type MediaImportResult, type MediaRendition } from '../../../shared/api/media';
import type { ApiError, ApiResult } from '../../../shared/api/result';
import type { ProfileId } from '../../../shared/media/profiles';
import type { ApiClient } from '../api/client';

/**
 * The renderer's copy of the media library: summaries (with their small thumbnails) loaded once
 * and refreshed on `media.changed`, and renditions fetched on demand and kept per
 * (asset, profile). Node cards, inspectors and the preview all read from here, so a thumbnail
 * or a size is fetched once per asset, never once per card or per render.
 */

export type RenditionEntry =
  | { status: 'loading'; hasData: boolean }
  | { status: 'ready'; rendition: MediaRendition; hasData: boolean }
  | { status: 'error'; error: ApiError };

export interface ImportProgress {
  total: number;
  done: number;
  current: string;
}

export interface MediaLibraryState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: ApiError | null;
  assets: MediaAssetSummary[];
  byId: ReadonlyMap<string, MediaAssetSummary>;
  renditions: ReadonlyMap<string, RenditionEntry>;
  progress: ImportProgress | null;
}

export type ImportOutcome = { ok: true; name: string; value: MediaImportResult } | { ok: false; name: string; error: ApiError };

export interface MediaLibrary {
  store: StoreApi<MediaLibraryState>;
  load(force?: boolean): Promise<void>;
  ensureRendition(id: string, profileId: ProfileId, withData: boolean): void;
  /** Imports files one after another (the Node side does the pixel work; two cores are shared). */
  importFiles(files: readonly File[]): Promise<ImportOutcome[]>;
  remove(id: string): Promise<ApiResult<unknown>>;
  dispose(): void;
}

/** Bytes one upload call can carry: 4 base64 characters per 3 bytes. Larger files go in parts of this size. */
export const MAX_UPLOAD_BYTES = Math.floor((MAX_UPLOAD_BASE64_CHARS / 4) * 3);

export const renditionKey = (id: string, profileId: ProfileId): string => `${id}:${profileId}`;

function readAsBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.onload = () => {
      const url = typeof reader.result === 'string' ? reader.result : '';
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.readAsDataURL(file);
  });
}

export function createMediaLibrary(api: ApiClient): MediaLibrary {
  const store = createStore<MediaLibraryState>()(() => ({
    status: 'idle',
    error: null,
    assets: [],
    byId: new Map(),
    renditions: new Map(),
    progress: null,
  }));
  let loading: Promise<void> | null = null;

  const setRendition = (key: string, entry: RenditionEntry | null): void => {
    const renditions = new Map(store.getState().renditions);
    if (entry) renditions.set(key, entry);
    else renditions.delete(key);
    store.setState({ renditions });
  };

  const load = (force = false): Promise<void> => {
    if (loading) return loading;
    if (!force && store.getState().status === 'ready') return Promise.resolve();
    if (store.getState().status !== 'ready') store.setState({ status: 'loading' });
    loading = api.call('media.list', {}).then((result) => {
      loading = null;
      if (!result.ok) {
        store.setState({ status: 'error', error: result.error });
        return;
      }
      const byId = new Map(result.value.map((asset) => [asset.id as string, asset]));
      // Renditions of deleted assets go with them.
      const renditions = new Map([...store.getState().renditions].filter(([key]) => byId.has(key.split(':')[0] ?? '')));
      store.setState({ status: 'ready', error: null, assets: result.value, byId, renditions });
    });
    return loading;
  };

  const unsubscribe = api.subscribe((event) => {
    if (event.type === 'media.changed') void load(true);
  });

  const importOne = async (file: File): Promise<ImportOutcome> => {
    const name = file.name || 'untitled';
    // The desktop app knows the file's path: the Node side then reads it without the upload cap.
    const path = api.transport === 'ipc' ? window.postcard?.pathForFile(file) : undefined;
    if (path) {
      const result = await api.call('media.import', { source: 'path', path });
      return result.ok ? { ok: true, name, value: result.value } : { ok: false, name, error: result.error };
    }
    if (file.size === 0) return { ok: false, name, error: { code: 'MEDIA_CORRUPT', message: `${name} is empty.` } };
    if (file.size > MAX_MEDIA_FILE_BYTES) {
      return {
        ok: false,
        name,
        error: {
          code: 'MEDIA_TOO_LARGE',
          message: `${name} is ${(file.size / 1e6).toFixed(1)} MB; Postcard imports files up to ${(MAX_MEDIA_FILE_BYTES / 1e6).toFixed(0)} MB.`,
        },
      };
    }
    const unreadable = (error: unknown): ImportOutcome => ({
      ok: false,
      name,
      error: { code: 'MEDIA_CORRUPT', message: `${name} could not be read (${error instanceof Error ? error.message : String(error)}).` },
    });
    if (file.size <= MAX_UPLOAD_BYTES) {
      let dataBase64: string;
      try {
        dataBase64 = await readAsBase64(file);
      } catch (error) {
        return unreadable(error);
      }
      const result = await api.call('media.import', { source: 'upload', name, dataBase64 });
      return result.ok ? { ok: true, name, value: result.value } : { ok: false, name, error: result.error };
    }
    // Too large for one call: in parts, read one at a time so the page never holds the whole file as text.
    const started = await api.call('media.uploadStart', { name, bytes: file.size });
    if (!started.ok) return { ok: false, name, error: started.error };
    const { uploadId } = started.value;
    for (let index = 0, offset = 0; offset < file.size; index++, offset += MAX_UPLOAD_BYTES) {
      let dataBase64: string;
      try {
        dataBase64 = await readAsBase64(file.slice(offset, offset + MAX_UPLOAD_BYTES));
      } catch (error) {
        return unreadable(error);
      }
      const sent = await api.call('media.uploadPart', { uploadId, index, dataBase64 });
      if (!sent.ok) return { ok: false, name, error: sent.error };
    }
    const result = await api.call('media.uploadFinish', { uploadId });
    return result.ok ? { ok: true, name, value: result.value } : { ok: false, name, error: result.error };
  };

  return {
    store,
    load,
    ensureRendition(id, profileId, withData) {
      const key = renditionKey(id, profileId);
      const entry = store.getState().renditions.get(key);
      // A refusal (e.g. MEDIA_OVER_BUDGET) is an answer, not a glitch: it is not asked again.
      if (entry && (entry.status === 'error' || entry.hasData || !withData)) return;
      setRendition(key, { status: 'loading', hasData: withData });
      void api.call('media.render', { id, profileId, includeData: withData }).then((result) => {
        setRendition(key, result.ok ? { status: 'ready', rendition: result.value, hasData: withData } : { status: 'error', error: result.error });
      });
    },
    async importFiles(files) {
      const outcomes: ImportOutcome[] = [];
      for (const [index, file] of files.entries()) {
        store.setState({ progress: { total: files.length, done: index, current: file.name } });
        outcomes.push(await importOne(file));
      }
      store.setState({ progress: null });
      if (outcomes.some((outcome) => outcome.ok)) await load(true);
      return outcomes;
    },
    async remove(id) {
      const result = await api.call('media.delete', { id });
      if (result.ok) await load(true);
      return result;
    },
    dispose: unsubscribe,
  };
}
