// What the preload puts on `window.postcard` in the Electron app. In the browser mode it is
// absent and the renderer's client talks HTTP instead.
import type { PostcardBridge } from '../shared/api/contract';

/** A change on the Node side, e.g. `{ type: 'flows.changed', flowId }`. */
export interface PostcardEventMessage {
  type: string;
  flowId?: string;
  [key: string]: unknown;
}

export type PostcardWindowApi = PostcardBridge & {
  /** Returns the unsubscribe function. */
  onEvent(listener: (event: PostcardEventMessage) => void): () => void;
  /** The file's path on disk for a dropped or picked file ('' for one not from the disk), so
   * the desktop app imports large media by path instead of uploading its bytes. */
  pathForFile(file: File): string;
};

declare global {
  interface Window {
    postcard?: PostcardWindowApi;
  }
}
