import type { EventBus } from '../api/events';
import type { AccountAdapterFactory } from '../accounts/adapter';
import { MediaHostingService } from '../accounts/mediaHosting';
import { AccountService } from '../accounts/service';
import { SendingStateBoard } from '../accounts/sendingStates';
import type { PostcardDb } from '../db/open';
import type { SecretStore } from '../secrets';
import { FlowService } from './flows';

/** The services handlers call; each domain adds its own here. */
export interface Services {
  flows: FlowService;
  accounts: AccountService;
  mediaHosting: MediaHostingService;
  /** What the sending engine last said about each account (breaker, rate, daily cap). */
  sendingStates: SendingStateBoard;
}

export interface ServiceDeps {
  db: PostcardDb;
  events: EventBus;
  /** Where credentials live (safeStorage in the app, the keychain or the environment under Node). */
  secrets: SecretStore;
  /** Makes a provider adapter for a sending account. */
  createAdapter: AccountAdapterFactory;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    flows: new FlowService(deps),
    accounts: new AccountService(deps),
    mediaHosting: new MediaHostingService(deps),
    sendingStates: new SendingStateBoard(deps.events),
  };
}
