import type { PublishReview, ReviewSender } from '../../shared/api/flows';
import type { ValidationContext } from '../../shared/graph/validate';
import { validateFlow } from '../../shared/graph/validate';
import type { FlowId } from '../../shared/ids';
import { sendingProblems } from '../accounts/publish';
import { triggerSegment } from '../../shared/audience/flowReach';
import { flowEligibility } from '../audience/eligibility';
import { countSegmentByTimeZone, loadCatalog } from '../audience/segmentSql';
import type { SqliteDatabase } from '../db/open';
import { isQuietAt, isValidTimeZone } from '../engine/localTime';
import type { EngineService } from '../engine/service';
import type { Services } from '.';

/** Simulated entrants a forecast is scaled from: enough for stable per-contact figures, quick to run. */
const FORECAST_CONTACTS = 200;
const FORECAST_DAYS = 14;
const MAX_ZONES = 6;

export interface PublishReviewDeps {
  services: Services;
  sqlite: SqliteDatabase;
  engine: Pick<EngineService, 'simulate'>;
  /** The same media and compliance facts publishing judges the flow on. */
  validationContext: ValidationContext | undefined;
  now: number;
}

/**
 * What confirming a publish would set going, read without changing anything: who sends, who can
 * enter now (the audience code's own consent, pause, category and segment rules), the quiet-hours
 * window in the recipients' zones, a dry-run's cost per channel at the workspace's prices, and
 * every problem publishing would refuse (errors) or let pass (warnings).
 */
export async function reviewPublish(id: FlowId, deps: PublishReviewDeps): Promise<PublishReview> {
  const { services, sqlite, now } = deps;
  const flow = services.flows.get(id);
  const { settings, graph } = flow;
  const validation = validateFlow(graph, deps.validationContext ?? { settings });
  const issues: PublishReview['issues'] = [
    ...validation.issues.map((issue) => ({ code: issue.code, severity: issue.severity, message: issue.message, ...(issue.nodeId ? { nodeId: issue.nodeId } : {}) })),
    ...sendingProblems(flow, services).map((problem) => ({ code: problem.code, severity: 'error' as const, message: problem.message })),
    ...categoryProblems(flow.name, settings.category, sqlite),
  ];

  const { definition, basis } = flowEligibility(graph, settings.category, sqlite);
  const catalog = loadCatalog(sqlite);
  const byZone = definition ? countSegmentByTimeZone(sqlite, definition, catalog, now, settings.defaultTimeZone) : [];
  const eligibleNow = byZone.reduce((sum, zone) => sum + zone.contacts, 0);
  const timeZones = byZone.slice(0, MAX_ZONES).map(({ timeZone, contacts }) => {
    const zone = isValidTimeZone(timeZone) ? timeZone : settings.defaultTimeZone;
    return { timeZone, contacts, localTime: localTimeIn(zone, now), isQuietNow: isQuietAt(settings.quietHours, zone, now) };
  });

  let forecast: PublishReview['forecast'] = null;
  let forecastProblem: string | null = null;
  try {
    forecast = await forecastCost(deps, id, eligibleNow);
  } catch (error) {
    forecastProblem = `The cost forecast could not run: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }

  const latest = flow.versions.reduce((max, v) => Math.max(max, v.version), 0);
  return {
    flowId: id,
    name: flow.name,
    nextVersion: flow.hasUnpublishedChanges || latest === 0 ? latest + 1 : latest,
    sender: senderOf(settings.sendingAccountId, services),
    audience: { eligibleNow, basis: definition ? basis : `${basis} (the segment "${triggerSegment(graph) ?? ''}" is not saved)`, timeZones },
    sendWindow: { isQuietHoursEnabled: settings.quietHours.isEnabled, start: settings.quietHours.start, end: settings.quietHours.end, defaultTimeZone: settings.defaultTimeZone },
    forecast,
    forecastProblem,
    issues,
    canPublish: !issues.some((issue) => issue.severity === 'error'),
  };
}

/**
 * A flow's category must be one of the workspace's, not archived: nobody can be subscribed to an
 * unknown or archived category, so the drain would hold back every message the flow sends.
 */
export function categoryProblems(name: string, category: string | null, sqlite: SqliteDatabase): PublishReview['issues'] {
  if (!category) return [];
  const row = sqlite.prepare('SELECT label, archived_at FROM subscription_categories WHERE id = ?').get(category) as
    | { label: string; archived_at: number | null }
    | undefined;
  const fix = "choose another in the flow's settings (Consent), or none";
  if (!row) {
    return [
      {
        code: 'FLOW_CATEGORY_UNKNOWN',
        severity: 'error',
        message: `"${name}" belongs to the subscription category "${category}", which this workspace does not have: nobody could receive its messages; ${fix}.`,
      },
    ];
  }
  if (row.archived_at !== null) {
    return [
      {
        code: 'FLOW_CATEGORY_ARCHIVED',
        severity: 'error',
        message: `"${name}" belongs to the subscription category "${row.label}", which is archived: nobody can receive messages of an archived category; ${fix}.`,
      },
    ];
  }
  return [];
}

function senderOf(accountId: string | null, services: Services): ReviewSender {
  if (!accountId) return { kind: 'simulator' };
  const row = services.accounts.find(accountId);
  if (!row) return { kind: 'missing', id: accountId };
  return { kind: 'account', id: row.id, name: row.name, provider: row.provider, sender: row.sender, messagesPerSecond: row.messagesPerSecond, dailyCap: row.dailyCap };
}

/** A dry-run of the draft at the workspace's prices, scaled to 1,000 entrants and to those eligible now. */
async function forecastCost(deps: PublishReviewDeps, id: FlowId, eligibleNow: number): Promise<PublishReview['forecast']> {
  // The engine costs a dry-run at the workspace's price table, per country, as the app's Simulate does.
  const result = await deps.engine.simulate(deps.services.flows.export(id), {
    contacts: FORECAST_CONTACTS,
    days: FORECAST_DAYS,
    seed: 1,
    sampleTimelines: 0,
  });
  const entrants = Math.max(1, result.totals.enrolled);
  const round = (value: number): number => Math.round(value * 100) / 100;
  const channels = (['sms', 'mms'] as const).map((channel) => {
    const perEntrant = result.totals.messagesByChannel[channel] / entrants;
    const costPerEntrant = result.cost[channel] / entrants;
    return {
      channel,
      messagesPerThousand: Math.round(perEntrant * 1000),
      costPerThousand: round(costPerEntrant * 1000),
      messagesForEligible: Math.round(perEntrant * eligibleNow),
      costForEligible: round(costPerEntrant * eligibleNow),
    };
  });
  return {
    simulatedContacts: result.totals.enrolled,
    days: FORECAST_DAYS,
    currency: result.cost.currency,
    channels,
    totalPerThousand: round((result.cost.total / entrants) * 1000),
    totalForEligible: round((result.cost.total / entrants) * eligibleNow),
  };
}

function localTimeIn(zone: string, now: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
}
