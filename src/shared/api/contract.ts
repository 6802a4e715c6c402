import type { z } from 'zod';
import { accountsContract } from './accounts';
import { audienceContract } from './audience';
import { analyticsContract } from './analytics';
import { engineContract } from './engine';
import { flowsContract } from './flows';
import { mediaContract } from './media';
import type { ApiResult } from './result';

/**
 * The one API contract. Every method the renderer (or the CLI, or a browser) may call is named
 * here with its input schema and result type; each domain declares its methods in its own
 * module and this file composes them. Electron's preload and the loopback HTTP host are two
 * transports into the same dispatch, which parses input with these schemas first.
 */
export const contract = {
  ...flowsContract,
  ...engineContract,
  ...mediaContract,
  ...accountsContract,
  ...audienceContract,
  ...analyticsContract,
} as const;


export type Contract = typeof contract;
export type MethodName = keyof Contract;
export const methodNames = Object.keys(contract) as MethodName[];
export const isMethodName = (value: unknown): value is MethodName =>
  typeof value === 'string' && Object.prototype.hasOwnProperty.call(contract, value);

export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<Contract[M]['input']>;
export type MethodResult<M extends MethodName> = NonNullable<Contract[M]['result']>;

/** What a transport offers: one call per method, errors as data. */
export type Invoke = <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<ApiResult<MethodResult<M>>>;

/** The shape the preload exposes on `window.postcard`: exactly the contract, nothing else. */
export type PostcardBridge = { [M in MethodName]: (input: MethodInput<M>) => Promise<ApiResult<MethodResult<M>>> };
