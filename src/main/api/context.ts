import type { AppInfo } from '../../shared/api/flows';
import type { MethodName, MethodResult, ParsedInput } from '../../shared/api/contract';
import type { PostcardDb, SqliteDatabase } from '../db/open';
import type { Services } from '../services';
import type { EventBus } from './events';

/** Which door a call came through. The CLI calls the same dispatch in-process. */
export type Transport = AppInfo['transport'] | 'cli';

export interface CallMeta {
  transport: Transport;
}

/** What every handler receives besides its parsed input. */
export interface HandlerContext {
  services: Services;
  events: EventBus;
  db: PostcardDb;
  sqlite: SqliteDatabase;
  dataDir: string;
  /** The better-sqlite3 addon the app opened its database with (Electron's build), for databases opened later. */
  nativeBinding?: string;
  appVersion: string;
  transport: Transport;
}

export type Handler<M extends MethodName> = (input: ParsedInput<M>, ctx: HandlerContext) => Promise<MethodResult<M>>;

/** Each domain module exports a partial map, checked against the contract with `satisfies`. */
export type HandlerMap = { [M in MethodName]?: Handler<M> };
