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
  | { name: 'contacts'; phone: string | null };

export function parseRoute(hash: string): Route {
  if (hash === '#/media') return { name: 'media' };
  if (hash === '#/settings') return { name: 'settings' };
  if (hash === '#/analytics') return { name: 'workspaceAnalytics' };
  const contact = /^#\/contacts(?:\/(%2B|\+)(\d{4,15}))?$/.exec(hash);
  if (contact) return { name: 'contacts', phone: contact[2] ? `+${contact[2]}` : null };
  const analytics = /^#\/flows\/([A-Za-z0-9_-]{1,64})\/analytics$/.exec(hash);
  if (analytics?.[1]) return { name: 'analytics', flowId: analytics[1] };
  const match = /^#\/flows\/([A-Za-z0-9_-]{1,64})$/.exec(hash);
  return match?.[1] ? { name: 'flow', flowId: match[1] } : { name: 'list' };
}

const subscribe = (onChange: () => void): (() => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
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
    case 'contacts':
      return `#/contacts${route.phone ? `/${encodeURIComponent(route.phone)}` : ''}`;
    case 'list':
      return '#/';
  }
}
