/** Fresh element ids: short, readable, and valid for the graph schema (`[A-Za-z0-9_-]`). */
export function freshId(prefix: string, taken: ReadonlySet<string>): string {
  for (;;) {
    const id = `${prefix}-${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
    if (!taken.has(id)) return id;
  }
}
