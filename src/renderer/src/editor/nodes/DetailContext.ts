import { createContext } from 'react';

/**
 * How much of a card the canvas draws at the current zoom (level of detail, as Figma or Miro
 * do it). One subscription to the zoom (in Canvas) feeds every card through context: a per-card
 * store subscription would run a thousand selectors on every frame of a pan or drag.
 *
 * - `full`: icon, kind, title, summary, labelled outputs.
 * - `compact`: the title alone, drawn at about 12 px on screen whatever the zoom (see
 *   `lodZoomSelector`), with live or simulated figures under it; outputs without labels.
 * - `overview`: a block in the kind's colour with a dot for problems. Below this zoom a card is
 *   a few pixels tall and no text can be read, so none is laid out or painted.
 */
export type DetailLevel = 'full' | 'compact' | 'overview';

export const DetailContext = createContext<DetailLevel>('full');

/**
 * Below this zoom a card drops its icon and small print: its 13 px title would be under 11 px on
 * screen (at "fit view" a seven-step flow is at about 0.55, where the full card's text was 7 px).
 */
export const DETAIL_ZOOM = 0.85;
/** Below this zoom (a 16 px title is under 5 px tall) a card drops its text. */
export const OVERVIEW_ZOOM = 0.3;

export const detailLevelSelector = (state: { transform: [number, number, number] }): DetailLevel => {
  const zoom = state.transform[2];
  return zoom < OVERVIEW_ZOOM ? 'overview' : zoom < DETAIL_ZOOM ? 'compact' : 'full';
};

/**
 * The zoom a compact card sizes its text for, in steps of 0.05 (so the canvas restyles a few times
 * over the whole range, not on every frame of a zoom); 1 outside the compact level.
 */
export const lodZoomSelector = (state: { transform: [number, number, number] }): number => {
  const zoom = state.transform[2];
  return zoom < OVERVIEW_ZOOM || zoom >= DETAIL_ZOOM ? 1 : Math.floor(zoom * 20) / 20;
};
