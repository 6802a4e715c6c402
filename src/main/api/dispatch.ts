import { contract, isMethodName } from '../../shared/api/contract';
import { PostcardError, fail, ok, type ApiResult } from '../../shared/api/result';
import { describeZodError } from '../../shared/flow/document';
import type { CallMeta, HandlerContext, HandlerMap } from './context';

export type Dispatch = (method: string, input: unknown, meta?: CallMeta) => Promise<ApiResult<unknown>>;

export interface DispatchOptions {
  handlers: HandlerMap;
  /** Everything a handler needs except the transport, which comes with each call. */
  context: Omit<HandlerContext, 'transport'>;
  /** Where unexpected errors are reported in full; the caller only sees a generic message. */
  logError?: (method: string, error: unknown) => void;
}

/**
 * The single door into the services, for IPC, HTTP and the CLI alike: unknown methods and
 * malformed input are refused before any handler runs; errors come back as data.
 */
export function createDispatch(options: DispatchOptions): Dispatch {
  const logError = options.logError ?? ((method, error) => console.error(`[postcard] ${method} failed:`, error));
  return async (method, input, meta = { transport: 'http' }) => {
    if (!isMethodName(method)) return fail('UNKNOWN_METHOD', `unknown method "${String(method).slice(0, 80)}"`);
    const handler = options.handlers[method] as ((input: unknown, ctx: HandlerContext) => Promise<unknown>) | undefined;
    if (!handler) return fail('UNAVAILABLE', `"${method}" is not available in this version of Postcard`);
    const parsed = contract[method].input.safeParse(input);
    if (!parsed.success) {
      return fail('INVALID_INPUT', `${method}: ${describeZodError(parsed.error)}`, {
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
      });
    }
    try {
      return ok(await handler(parsed.data, { ...options.context, transport: meta.transport }));
    } catch (error) {
      if (error instanceof PostcardError) return fail(error.code, error.message, error.details);
      logError(method, error);
      return fail('INTERNAL', 'Something went wrong inside Postcard; the details are in its log.');
    }
  };
}
