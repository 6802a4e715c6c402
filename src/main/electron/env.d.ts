// electron-vite replaces `import.meta.env.DEV` at build time (true under `electron-vite dev`);
// under plain Node (tests, tsx) `import.meta.env` is undefined.
interface ImportMeta {
  readonly env?: { readonly DEV?: boolean };
}
