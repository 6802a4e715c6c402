import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import betaPdf from '@stdlib/stats-base-dists-beta-pdf';
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/**
 * A/B statistics for splits. The distributions come from stdlib (@stdlib/stats-base-dists-*):
 * maintained, individually published, typed, and tested against reference values, so the beta
 * and normal functions here are not hand-rolled numerics. The model is Bayesian beta-binomial
 * with a uniform Beta(1, 1) prior: every rate's interval is the equal-tailed 95 % credible interval
 * of its posterior, and "probability to beat control" is P(p_variant > p_control) integrated
 * exactly (numerically, over the variant's posterior) rather than estimated by draws, so the same
 * counts always give the same number. Sample sizes use the classic two-proportion power formula
 * (the one R's power.prop.test solves), since a planner wants a number before any data exists.
 */

export interface Arm {
  /** Contacts (or messages) in the arm. */
  trials: number;
  /** How many of them converted (clicked, replied …). */
  successes: number;
}

export interface RateEstimate {
  /** successes / trials; null when the arm has no trials (nothing to divide). */
  rate: number | null;
  low: number;
  high: number;
}

const PRIOR = 1;

function checkArm(arm: Arm): void {
  if (!Number.isInteger(arm.trials) || !Number.isInteger(arm.successes) || arm.trials < 0 || arm.successes < 0 || arm.successes > arm.trials) {
    throw new RangeError(`an arm needs whole counts with 0 ≤ successes ≤ trials, got ${arm.successes} of ${arm.trials}`);
  }
}

const posterior = (arm: Arm): { a: number; b: number } => ({ a: PRIOR + arm.successes, b: PRIOR + arm.trials - arm.successes });

/** The rate and its 95 % (or `level`) credible interval. An arm with no trials spans 0–1. */
export function rateInterval(arm: Arm, level = 0.95): RateEstimate {
  checkArm(arm);
  const { a, b } = posterior(arm);
  const tail = (1 - level) / 2;
  return {
    rate: arm.trials === 0 ? null : arm.successes / arm.trials,
    low: arm.trials === 0 ? 0 : betaQuantile(tail, a, b),
    high: arm.trials === 0 ? 1 : betaQuantile(1 - tail, a, b),
  };
}

/**
 * P(variant's true rate > control's true rate) under independent Beta posteriors:
 * ∫ f_variant(t) · F_control(t) dt, by composite Simpson's rule over the span that holds all but
 * 1e-12 of the variant's posterior. Either arm with no trials gives null: nothing is known.
 */
export function probabilityToBeat(control: Arm, variant: Arm): number | null {
  checkArm(control);
  checkArm(variant);
  if (control.trials === 0 || variant.trials === 0) return null;
  const v = posterior(variant);
  const c = posterior(control);
  const from = betaQuantile(1e-12, v.a, v.b);
  const to = betaQuantile(1 - 1e-12, v.a, v.b);
  const steps = 1200;
  const h = (to - from) / steps;
  const integrand = (t: number): number => betaPdf(t, v.a, v.b) * betaCdf(t, c.a, c.b);
  let sum = integrand(from) + integrand(to);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * integrand(from + i * h);
  return Math.min(1, Math.max(0, (sum * h) / 3));
}

export interface Lift {
  /** variant rate / control rate. */
  ratio: number;
  low: number;
  high: number;
}

/**
 * The rate ratio with its 95 % interval by the log method (Katz et al. 1978): ln(ratio) ±
 * z·sqrt(1/x₁ − 1/n₁ + 1/x₂ − 1/n₂). Null when either arm has no conversions (no ratio exists).
 */
export function liftInterval(control: Arm, variant: Arm, level = 0.95): Lift | null {
  checkArm(control);
  checkArm(variant);
  if (control.successes === 0 || variant.successes === 0) return null;
  const ratio = variant.successes / variant.trials / (control.successes / control.trials);
  const se = Math.sqrt(1 / variant.successes - 1 / variant.trials + 1 / control.successes - 1 / control.trials);
  const z = normalQuantile(1 - (1 - level) / 2, 0, 1);
  return { ratio, low: ratio * Math.exp(-z * se), high: ratio * Math.exp(z * se) };
}

export interface SampleSizeInput {
  /** The control's conversion rate, 0–1 exclusive. */
  baseRate: number;
  /** The smallest relative change worth detecting: 0.2 = a 20 % lift. */
  minimumDetectableEffect: number;
  /** Two-sided significance level; 0.05 = 95 % confidence. */
  alpha?: number;
  /** Probability of detecting the effect when it is real; 0.8 = 80 % power. */
  power?: number;
}

/**
 * Contacts needed in each arm to detect the effect (rounded up):
 * n = (z₁₋α/₂·√(2·p̄·q̄) + z₁₋β·√(p₁q₁ + p₂q₂))² / (p₁ − p₂)².
 */
export function sampleSizePerArm(input: SampleSizeInput): number {
  const { baseRate, minimumDetectableEffect, alpha = 0.05, power = 0.8 } = input;
  const p1 = baseRate;
  const p2 = baseRate * (1 + minimumDetectableEffect);
  if (!(p1 > 0 && p1 < 1)) throw new RangeError(`the base rate must be between 0 and 1, got ${p1}`);
  if (!(p2 > 0 && p2 < 1) || p2 === p1) throw new RangeError(`a ${minimumDetectableEffect * 100} % effect on a ${p1 * 100} % base rate is not a rate between 0 and 1 that differs from it`);
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) throw new RangeError('alpha and power must be between 0 and 1');
  return Math.ceil(sampleSizeForRates(p1, p2, alpha, power));
}

/** The unrounded n for two rates (R: power.prop.test(p1, p2, sig.level, power)$n). */
export function sampleSizeForRates(p1: number, p2: number, alpha = 0.05, power = 0.8): number {
  const zAlpha = normalQuantile(1 - alpha / 2, 0, 1);
  const zBeta = normalQuantile(power, 0, 1);
  const pBar = (p1 + p2) / 2;
  const numerator = zAlpha * Math.sqrt(2 * pBar * (1 - pBar)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return (numerator * numerator) / ((p1 - p2) * (p1 - p2));
}

export interface ArmResult extends Arm {
  id: string;
  label: string;
  isHoldout: boolean;
  isControl: boolean;
  estimate: RateEstimate;
  /** Null for the control itself and for arms without data. */
  probabilityToBeatControl: number | null;
  lift: Lift | null;
}

export interface SplitStatistics {
  arms: ArmResult[];
  controlId: string | null;
  /** Per arm, still needed to detect the minimum effect (0 = enough); null without a usable base rate. */
  sampleSizeNeeded: number | null;
  sampleSizeRemaining: number | null;
  verdict: string;
}

export interface SplitArmInput extends Arm {
  id: string;
  label: string;
  isHoldout: boolean;
}

/**
 * Every arm against a control: the holdout when there is one (incremental lift), else the first
 * arm. `metric` names the outcome in the verdict ("converts", "clicks").
 */
export function splitStatistics(
  armsIn: readonly SplitArmInput[],
  options: { controlId?: string; minimumDetectableEffect?: number; metric?: string } = {},
): SplitStatistics {
  const metric = options.metric ?? 'converts';
  const control = armsIn.find((arm) => arm.id === options.controlId) ?? armsIn.find((arm) => arm.isHoldout) ?? armsIn[0];
  const arms: ArmResult[] = armsIn.map((arm) => {
    const isControl = arm === control;
    return {
      ...arm,
      isControl,
      estimate: rateInterval(arm),
      probabilityToBeatControl: isControl || !control ? null : probabilityToBeat(control, arm),
      lift: isControl || !control ? null : liftInterval(control, arm),
    };
  });
  let sampleSizeNeeded: number | null = null;
  let sampleSizeRemaining: number | null = null;
  const baseRate = control && control.trials > 0 ? control.successes / control.trials : 0;
  const effect = options.minimumDetectableEffect ?? 0.2;
  if (baseRate > 0 && baseRate * (1 + effect) < 1) {
    sampleSizeNeeded = sampleSizePerArm({ baseRate, minimumDetectableEffect: effect });
    const smallest = Math.min(...armsIn.map((arm) => arm.trials));
    sampleSizeRemaining = Math.max(0, sampleSizeNeeded - smallest);
  }
  return { arms, controlId: control?.id ?? null, sampleSizeNeeded, sampleSizeRemaining, verdict: verdictFor(arms, metric, sampleSizeRemaining, effect) };
}

const times = (value: number): string => `${value.toFixed(value >= 10 ? 0 : value >= 1 ? 1 : 2)}×`;
export const formatPercent = (p: number): string => {
  const value = p * 100;
  if (value > 99 && value < 100) return '>99 %';
  if (value < 1 && value > 0) return '<1 %';
  return `${Math.round(value)} %`;
};

/** One sentence per arm against the control, e.g. "MMS converts 2.1× SMS, 95 % interval 1.6–2.7×; 99 % likely better." */
export function verdictFor(arms: readonly ArmResult[], metric: string, sampleSizeRemaining: number | null, effect = 0.2): string {
  const control = arms.find((arm) => arm.isControl);
  if (!control) return 'No arms to compare.';
  const sentences: string[] = [];
  for (const arm of arms) {
    if (arm.isControl) continue;
    if (arm.trials === 0) {
      sentences.push(`${arm.label} has no contacts yet.`);
      continue;
    }
    if (control.trials === 0) {
      sentences.push(`${control.label} has no contacts yet, so ${arm.label} cannot be compared.`);
      continue;
    }
    const p = arm.probabilityToBeatControl ?? 0.5;
    const likely = p >= 0.5 ? `${formatPercent(p)} likely better` : `${formatPercent(1 - p)} likely worse`;
    if (!arm.lift) {
      sentences.push(`${arm.label} and ${control.label} have too few ${metric === 'converts' ? 'conversions' : 'successes'} for a ratio yet; ${likely}.`);
      continue;
    }
    sentences.push(
      `${arm.label} ${metric} ${times(arm.lift.ratio)} ${control.label}, 95 % interval ${times(arm.lift.low).slice(0, -1)}–${times(arm.lift.high)}; ${likely}.`,
    );
  }
  if (sampleSizeRemaining !== null && sampleSizeRemaining > 0) {
    sentences.push(`About ${sampleSizeRemaining.toLocaleString('en-US')} more contacts per arm are needed to detect a ${Math.round(effect * 100)} % difference.`);
  }
  return sentences.join(' ');
}
