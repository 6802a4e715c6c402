import type { validateFlow } from '../../../../shared/graph/validate';

/**
 * The shared validator, loaded on first use. It brings the Liquid engine (about 140 kB of script)
 * for template checks, and opening a flow does not need it: the server sends the flow's
 * validation with the flow, so the canvas draws its badges without validating here. The editor
 * asks for it once the canvas is up, and any edit before then validates as soon as it arrives.
 */
export type ValidateFlow = typeof validateFlow;

let validator: ValidateFlow | null = null;
let loading: Promise<ValidateFlow> | null = null;

export function loadValidator(): Promise<ValidateFlow> {
  loading ??= import('../../../../shared/graph/validate').then(
    (module) => (validator = module.validateFlow),
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

/** The validator if it has loaded (then validation runs synchronously), else null. */
export function loadedValidator(): ValidateFlow | null {
  return validator;
}
