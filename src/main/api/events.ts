import type { FlowId } from '../../shared/ids';

/** What changed on the Node side; transports forward these to the renderer (IPC or SSE). */
export type PostcardEvent = { type: 'flows.changed'; flowId: FlowId } | { type: `${string}.${string}`; [key: string]: unknown };

export type EventListener = (event: PostcardEvent) => void;

export interface EventBus {
  emit(event: PostcardEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
}

export function createEventBus(onListenerError: (error: unknown) => void = () => {}): EventBus {
  const listeners = new Set<EventListener>();
  return {
    emit(event) {
      for (const listener of [...listeners]) {
        // One broken subscriber (a closed SSE socket, a destroyed window) must not stop the others.
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
