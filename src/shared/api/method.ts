import type { z } from 'zod';

export interface MethodSpec<I extends z.ZodType, R> {
  input: I;
  /** Phantom: carries the result type; never read at run time. */
  result?: R;
}

/** `method(inputSchema).returns<Result>()` declares one API method. */
export const method = <I extends z.ZodType>(input: I) => ({
  returns: <R>(): MethodSpec<I, R> => ({ input }),
});
