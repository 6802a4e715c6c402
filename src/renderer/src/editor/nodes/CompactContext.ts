import { createContext } from 'react';

/**
 * Whether the canvas is zoomed out far enough for compact cards. One subscription to the zoom
 * (in Canvas) feeds every card through context: a per-card store subscription would run a
 * thousand selectors on every frame of a pan or drag.
 */
export const CompactContext = createContext(false);

/** Below this zoom a card drops its icon and small print: unreadable there, and costly to paint. */
export const DETAIL_ZOOM = 0.45;
export const isZoomedOutSelector = (state: { transform: [number, number, number] }): boolean => state.transform[2] < DETAIL_ZOOM;
