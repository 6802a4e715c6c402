import { useSyncExternalStore } from 'react';

/**
 * Routes live in the URL fragment (`#/flows/<id>`) so a reload reopens the same flow in both
 * the Electron window (file:// has no server routes) and the browser mode.
 */
export type Route =
  | { name: 'list' }
  | { name: 'flow'; flowId: string }
  | { name: 'analytics'; flowId: string }
  | { name: 'workspaceAnalytics' }
  | { name: 'media' }
  | { name: 'settings' }
  | { name: 'contacts'; phone: string | null }
  | { name: 'segments'; segmentId: string | null };

export function parseRoute(hash: string): Route {
  if (hash === '#/media') return { name: 'media' };
  if (hash === '#/settings') return { name: 'settings' };
  if (hash === '#/analytics') return { name: 'workspaceAnalytics' };
  const segment = /^#\/segments(?:\/([A-Za-z0-9_-]{1,64}))?$/.exec(hash);
  if (segment) return { name: 'segments', segmentId: segment[1] ?? null };
  const contact = /^#\/contacts(?:\/(%2B|\+)(\d{4,15}))?$/.exec(hash);
  if (contact) return { name: 'contacts', phone: contact[2] ? `+${contact[2]}` : null };
  const analytics = /^#\/flows\/([A-Za-z0-9_-]{1,64})\/analytics$/.exec(hash);
  if (analytics?.[1]) return { name: 'analytics', flowId: analytics[1] };
  const match = /^#\/flows\/([A-Za-z0-9_-]{1,64})$/.exec(hash);
  return match?.[1] ? { name: 'flow', flowId: match[1] } : { name: 'list' };
}

/**
 * A page with unsaved edits can hold the route: while its guard answers false for a new hash, the
 * address goes back to the page's own and the page asks (in its own dialog) whether to leave.
 */
type LeaveGuard = (toHash: string) => boolean;
let leaveGuard: LeaveGuard | null = null;
let acceptedHash: string | null = null;

export function setLeaveGuard(guard: LeaveGuard | null): void {
  leaveGuard = guard;
}

const currentHash = (): string => acceptedHash ?? window.location.hash;

const subscribe = (onChange: () => void): (() => void) => {
  const listener = (): void => {
    const next = window.location.hash;
    const previous = currentHash();
    if (next !== previous && leaveGuard && !leaveGuard(next)) {
      // Back to the page being left; the hash event this fires is not a change of route.
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${previous}`);
      return;
    }
    acceptedHash = next;
    onChange();
  };
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, currentHash);
  // Parsing is cheap; callers compare `name`/`flowId`, never the object identity.
  return parseRoute(hash);
}

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'flow':
      return `#/flows/${route.flowId}`;
    case 'analytics':
      return `#/flows/${route.flowId}/analytics`;
    case 'workspaceAnalytics':
      return '#/analytics';
    case 'media':
      return '#/media';
    case 'settings':
      return '#/settings';
    case 'segments':
      return `#/segments${route.segmentId ? `/${route.segmentId}` : ''}`;
    case 'contacts':
      return `#/contacts${route.phone ? `/${encodeURIComponent(route.phone)}` : ''}`;
    case 'list':
      return '#/';
  }
}
