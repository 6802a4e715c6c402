import { AUTO_WINNER_PROBABILITY, type SplitAutoWinnerMetric } from '../graph/nodes';
import { formatPercent, probabilityToBeat, type Arm } from './statistics';

/** The auto-winner's decision and its words; the counting is src/main/analytics/autoWinner.ts. */

export interface WinnerArm extends Arm {
  id: string;
  label: string;
}

export interface WinnerChoice {
  /** The arm at least 95 % likely to beat every other, or null. */
  winner: WinnerArm | null;
  /** The leading arm (highest chance to beat all the others), also when it is not clear enough. */
  leader: WinnerArm | null;
  /** The leader's smallest probability to beat another arm. */
  probability: number | null;
}

/**
 * The arm whose chance to beat each other arm (the beta-binomial model of ./statistics) is at
 * least 95 % against every one of them; the smallest of those chances is the figure reported.
 * Any arm without trials means nothing can be decided.
 */
export function pickWinner(arms: readonly WinnerArm[], threshold = AUTO_WINNER_PROBABILITY): WinnerChoice {
  if (arms.length < 2 || arms.some((arm) => arm.trials === 0)) return { winner: null, leader: null, probability: null };
  let leader: WinnerArm | null = null;
  let best = -1;
  for (const arm of arms) {
    const worst = Math.min(...arms.filter((other) => other !== arm).map((other) => probabilityToBeat(other, arm) ?? 0));
    if (worst > best) {
      best = worst;
      leader = arm;
    }
  }
  return { winner: best >= threshold ? leader : null, leader, probability: best };
}

const metricWords: Record<SplitAutoWinnerMetric, string> = { conversion: 'conversions', click: 'clicks', delivery: 'delivery' };

export type WinnerCondition = { sendsPerVariant: number } | { date: string; fewestSends: number };

function after(condition: WinnerCondition): string {
  if ('sendsPerVariant' in condition) return `after ${condition.sendsPerVariant.toLocaleString('en-US')} sends per variant`;
  const day = new Date(condition.date).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  return `on ${day}, after at least ${condition.fewestSends.toLocaleString('en-US')} sends per variant`;
}

/** "Auto-winner: MMS won on conversions, 97 % likely best, after 1,000 sends per variant" */
export function autoWinnerNote(metric: SplitAutoWinnerMetric, winner: WinnerArm, probability: number | null, condition: WinnerCondition): string {
  return `Auto-winner: ${winner.label} won on ${metricWords[metric]}, ${formatPercent(probability ?? 0)} likely best, ${after(condition)}`;
}

/** Said on the split when the condition is met but no arm is clearly ahead: nothing changes. */
export function noWinnerNote(metric: SplitAutoWinnerMetric, choice: WinnerChoice, condition: WinnerCondition): string {
  const lead =
    choice.leader && choice.probability !== null
      ? ` ${choice.leader.label} leads but is only ${formatPercent(choice.probability)} likely best (95 % needed).`
      : ' A variant has no sends yet.';
  return `Auto-winner: no clear winner on ${metricWords[metric]} ${after(condition)}.${lead} Traffic stays as it is; looked at again as results arrive.`;
}
