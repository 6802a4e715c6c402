// Every domain's tables, one file each; drizzle.config.ts and the app read this index.
export * from './flows';
export * from './engine';
export * from './media';
export * from './accounts';
export * from './audience';
export * from './analytics';
