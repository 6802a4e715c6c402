/**
 * Deterministic hashing and pseudo-random numbers. The engine never calls Math.random: A/B
 * assignment hashes (contact, node) so re-runs and simulations agree, and everything else that
 * needs chance takes a seeded source so the same seed reproduces the same run.
 */

/** 32-bit FNV-1a over a string's UTF-16 units, finished with a murmur3 mix for avalanche. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A stable number in [0, 1) for a key: the same key always gives the same number. */
export function unitHash(...parts: Array<string | number>): number {
  return hash32(parts.join('\u0001')) / 4294967296;
}

export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
}

/** mulberry32: tiny, fast and good enough for simulation draws (not for secrets). */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export const randomInt = (random: RandomSource, min: number, maxInclusive: number): number =>
  min + Math.floor(random.next() * (maxInclusive - min + 1));

export function pickWeighted<T>(random: RandomSource, items: ReadonlyArray<{ weight: number; value: T }>): T | undefined {
  const total = items.reduce((sum, item) => sum + Math.max(0, item.weight), 0);
  if (total <= 0) return items[0]?.value;
  let roll = random.next() * total;
  for (const item of items) {
    roll -= Math.max(0, item.weight);
    if (roll < 0) return item.value;
  }
  return items[items.length - 1]?.value;
}
