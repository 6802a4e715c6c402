import { createStore } from 'zustand/vanilla';

/** Short-lived notices (import refusals, deletions) shown in one corner of the window. */
export interface Toast {
  id: number;
  kind: 'error' | 'success' | 'info';
  title: string;
  message?: string;
  code?: string;
}

export const toastStore = createStore<{ toasts: Toast[] }>()(() => ({ toasts: [] }));
let nextId = 1;
const LIFETIME_MS = { error: 12_000, success: 4_000, info: 4_000 } as const;

export function showToast(toast: Omit<Toast, 'id'>): void {
  const id = nextId++;
  toastStore.setState((s) => ({ toasts: [...s.toasts.slice(-4), { ...toast, id }] }));
  window.setTimeout(() => dismissToast(id), LIFETIME_MS[toast.kind]);
}

export function dismissToast(id: number): void {
  toastStore.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}
