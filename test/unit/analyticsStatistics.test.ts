import beta from '@stdlib/random-base-beta';
import { describe, expect, it } from 'vitest';
import {
  liftInterval,
  probabilityToBeat,
  rateInterval,
  sampleSizeForRates,
  sampleSizePerArm,
  splitStatistics,
} from '../../src/shared/analytics/statistics';

/** Posterior draws from a seeded stdlib generator: an independent check of the exact integration. */
function drawsBeat(control: { trials: number; successes: number }, variant: { trials: number; successes: number }, draws: number) {
  const c = beta.factory(1 + control.successes, 1 + control.trials - control.successes, { seed: 7 });
  const v = beta.factory(1 + variant.successes, 1 + variant.trials - variant.successes, { seed: 11 });
  let wins = 0;
  const ratios: number[] = [];
  for (let i = 0; i < draws; i++) {
    const a = c();
    const b = v();
    if (b > a) wins++;
    ratios.push(b / a);
  }
  ratios.sort((x, y) => x - y);
  return { p: wins / draws, low: ratios[Math.floor(draws * 0.025)] as number, high: ratios[Math.floor(draws * 0.975)] as number };
}

describe('sample size per arm (two-proportion power calculation)', () => {
  it('matches the worked example: 2 % base, 20 % relative lift, 95 % confidence, 80 % power → about 21,000 per arm', () => {
    const n = sampleSizePerArm({ baseRate: 0.02, minimumDetectableEffect: 0.2 });
    expect(n).toBeGreaterThan(20_500);
    expect(n).toBeLessThan(21_500);
    expect(n).toBe(21_109);
  });

  it("matches R's documented power.prop.test(p1 = .50, p2 = .75, power = .90) → n = 76.7", () => {
    expect(sampleSizeForRates(0.5, 0.75, 0.05, 0.9)).toBeCloseTo(76.7, 1);
  });

  it('needs more contacts for a smaller effect, and refuses a rate that is not one', () => {
    expect(sampleSizePerArm({ baseRate: 0.02, minimumDetectableEffect: 0.1 })).toBeGreaterThan(sampleSizePerArm({ baseRate: 0.02, minimumDetectableEffect: 0.2 }));
    expect(() => sampleSizePerArm({ baseRate: 0, minimumDetectableEffect: 0.2 })).toThrow(/base rate/);
    expect(() => sampleSizePerArm({ baseRate: 0.9, minimumDetectableEffect: 0.2 })).toThrow(/not a rate/);
  });
});

describe('rates with 95 % intervals', () => {
  it('gives the closed-form interval for an arm with no successes (Beta(1, n + 1))', () => {
    const estimate = rateInterval({ trials: 99, successes: 0 });
    expect(estimate.rate).toBe(0);
    expect(estimate.high).toBeCloseTo(1 - 0.025 ** (1 / 100), 10);
    expect(estimate.low).toBeCloseTo(1 - 0.975 ** (1 / 100), 10);
  });

  it('brackets the observed rate and narrows with more data', () => {
    const small = rateInterval({ trials: 200, successes: 10 });
    const large = rateInterval({ trials: 20_000, successes: 1_000 });
    expect(small.low).toBeLessThan(0.05);
    expect(small.high).toBeGreaterThan(0.05);
    expect(large.high - large.low).toBeLessThan((small.high - small.low) / 5);
  });

  it('a variant with zero sends has no rate and the widest interval, and no probability', () => {
    expect(rateInterval({ trials: 0, successes: 0 })).toEqual({ rate: null, low: 0, high: 1 });
    expect(probabilityToBeat({ trials: 100, successes: 5 }, { trials: 0, successes: 0 })).toBeNull();
  });

  it('refuses impossible counts by name', () => {
    expect(() => rateInterval({ trials: 5, successes: 6 })).toThrow(/successes ≤ trials/);
  });
});

describe('probability to beat control', () => {
  it('is one half for identical arms', () => {
    expect(probabilityToBeat({ trials: 1000, successes: 50 }, { trials: 1000, successes: 50 })).toBeCloseTo(0.5, 6);
  });

  it.each([
    [{ trials: 1000, successes: 20 }, { trials: 1000, successes: 30 }],
    [{ trials: 20_000, successes: 400 }, { trials: 20_000, successes: 460 }],
    [{ trials: 50, successes: 3 }, { trials: 40, successes: 1 }],
  ])('agrees with 200,000 seeded posterior draws (%o vs %o)', (control, variant) => {
    const exact = probabilityToBeat(control, variant) as number;
    expect(exact).toBeCloseTo(drawsBeat(control, variant, 200_000).p, 2);
  });
});

describe('lift and verdict', () => {
  it('the rate ratio interval agrees with the posterior of the ratio for large arms', () => {
    const control = { trials: 20_000, successes: 300 };
    const variant = { trials: 20_000, successes: 630 };
    const lift = liftInterval(control, variant);
    const draws = drawsBeat(control, variant, 100_000);
    expect(lift?.ratio).toBeCloseTo(2.1, 6);
    expect(lift?.low).toBeCloseTo(draws.low, 1);
    expect(lift?.high).toBeCloseTo(draws.high, 1);
  });

  it('says in plain words how much better the variant is, with interval and probability', () => {
    const stats = splitStatistics([
      { id: 'vsms', label: 'SMS', isHoldout: false, trials: 4000, successes: 60 },
      { id: 'vmms', label: 'MMS', isHoldout: false, trials: 4000, successes: 126 },
    ]);
    expect(stats.controlId).toBe('vsms');
    expect(stats.verdict).toMatch(/^MMS converts 2\.1× SMS, 95 % interval 1\.[5-6]–2\.[8-9]×; >99 % likely better\./);
    expect(stats.arms[1]?.probabilityToBeatControl).toBeGreaterThan(0.99);
  });

  it('compares against the holdout when there is one, and names an arm with no contacts', () => {
    const stats = splitStatistics([
      { id: 'va', label: 'MMS', isHoldout: false, trials: 500, successes: 20 },
      { id: 'vb', label: 'SMS', isHoldout: false, trials: 0, successes: 0 },
      { id: 'vh', label: 'Holdout', isHoldout: true, trials: 500, successes: 10 },
    ]);
    expect(stats.controlId).toBe('vh');
    expect(stats.arms.find((a) => a.id === 'vb')?.probabilityToBeatControl).toBeNull();
    expect(stats.verdict).toContain('SMS has no contacts yet.');
    expect(stats.sampleSizeRemaining).toBeGreaterThan(0);
    expect(stats.verdict).toMatch(/more contacts per arm are needed to detect a 20 % difference/);
  });
});

/**
 * Published worked examples for the formulas this module writes out itself (the distributions are
 * stdlib's): each figure below is printed in the source named, to the digits it prints.
 */
describe('published worked examples', () => {
  it('rate interval: Gelman et al., Bayesian Data Analysis (3rd ed.) §2.4, placenta previa — 437 girls of 980 births, uniform prior → 95 % interval [0.415, 0.477]', () => {
    const estimate = rateInterval({ trials: 980, successes: 437 });
    expect(estimate.rate).toBeCloseTo(0.446, 3);
    expect(estimate.low).toBeCloseTo(0.415, 3);
    expect(estimate.high).toBeCloseTo(0.477, 3);
  });

  it('lift interval (Katz log method): Agresti, Categorical Data Analysis (2nd ed.) §3.1.4, Physicians’ Health Study — 189/11,034 vs 104/11,037 → relative risk 1.82, 95 % CI (1.43, 2.30)', () => {
    const placebo = { trials: 11_034, successes: 189 };
    const aspirin = { trials: 11_037, successes: 104 };
    const lift = liftInterval(aspirin, placebo) as { ratio: number; low: number; high: number };
    expect(lift.ratio).toBeCloseTo(1.82, 2);
    expect(lift.low).toBeCloseTo(1.43, 2);
    // Agresti prints 2.30; the interval's end is 2.306, printed truncated.
    expect(lift.high).toBeGreaterThanOrEqual(2.3);
    expect(lift.high).toBeLessThan(2.31);
  });

  it("sample size: R's power.prop.test(p1 = .05, p2 = .10, power = .80) → n = 434.4 per group", () => {
    expect(sampleSizeForRates(0.05, 0.1, 0.05, 0.8)).toBeCloseTo(434.4, 1);
    // The same, asked as a relative lift: 5 % base rate, 100 % minimum detectable effect.
    expect(sampleSizePerArm({ baseRate: 0.05, minimumDetectableEffect: 1 })).toBe(435);
  });
});
