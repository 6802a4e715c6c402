/** IPC channel names shared by the shell and the preload (which bundles this file). */
export const INVOKE_CHANNEL = 'postcard:invoke';
export const EVENT_CHANNEL = 'postcard:event';
/** Synchronous, once, at preload time: the contract's method names (the preload bundles no zod). */
export const METHODS_CHANNEL = 'postcard:methods';
