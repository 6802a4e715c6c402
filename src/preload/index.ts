// The preload runs sandboxed and exposes exactly the API contract (one function per method)
// plus a change-event subscription. ipcRenderer itself never reaches the page.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { MethodInput, MethodName, MethodResult, PostcardBridge } from '../shared/api/contract';
import type { ApiResult } from '../shared/api/result';
import { EVENT_CHANNEL, INVOKE_CHANNEL, METHODS_CHANNEL } from '../main/electron/channels';
import type { PostcardEventMessage, PostcardWindowApi } from './api';

const call =
  <M extends MethodName>(method: M) =>
  (input: MethodInput<M>): Promise<ApiResult<MethodResult<M>>> =>
    ipcRenderer.invoke(INVOKE_CHANNEL, method, input) as Promise<ApiResult<MethodResult<M>>>;

// A sandboxed preload can require nothing but 'electron', so the contract (zod schemas) stays in
// the main process, which answers with its method names; the types still come from the contract.
const methodNames = ipcRenderer.sendSync(METHODS_CHANNEL) as MethodName[];
const methods = Object.fromEntries(methodNames.map((method) => [method, call(method)])) as PostcardBridge;

const bridge = {
  ...methods,
  onEvent(listener: (event: PostcardEventMessage) => void): () => void {
    // Hand the page only the payload, never the IpcRendererEvent (it carries `sender`).
    const forward = (_event: IpcRendererEvent, message: PostcardEventMessage): void => listener(message);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  },
  pathForFile(file: File): string {
    // Electron no longer puts `path` on dropped or picked File objects; this is its replacement.
    // The main process still validates whatever path comes back before reading it.
    return webUtils.getPathForFile(file);
  },
} satisfies PostcardWindowApi;

contextBridge.exposeInMainWorld('postcard', bridge);
