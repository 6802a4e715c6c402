import type { EventBus } from '../api/events';
import type { PostcardDb } from '../db/open';
import { FlowService } from './flows';

/** The services handlers call; each domain adds its own here. */
export interface Services {
  flows: FlowService;
}

export function createServices(deps: { db: PostcardDb; events: EventBus }): Services {
  return {
    flows: new FlowService(deps),
  };
}
