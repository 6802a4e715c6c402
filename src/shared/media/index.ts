export * from './types';
export * from './profiles';
export * from './meter';
