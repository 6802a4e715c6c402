import type { HandlerMap } from '../context';
import { accountsHandlers } from './accounts';
import { audienceHandlers } from './audience';
import { analyticsHandlers } from './analytics';
import { engineHandlers } from './engine';
import { flowsHandlers } from './flows';
import { mediaHandlers } from './media';

/** Every domain's handlers; a method of the contract without a handler answers UNAVAILABLE. */
export const handlers: HandlerMap = {
  ...flowsHandlers,
  ...engineHandlers,
  ...mediaHandlers,
  ...accountsHandlers,
  ...audienceHandlers,
  ...analyticsHandlers,
};
