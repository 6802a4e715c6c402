import type Database from 'better-sqlite3';
import { compileSegment } from '../../shared/audience/compile';
import { consentChannelSets } from '../../shared/audience/evaluate';
import type { SegmentDefinition, SegmentRule } from '../../shared/audience/segment';
import type { Channel } from '../../shared/engine/types';
import type { FlowGraph } from '../../shared/graph/graph';
import { firstChannel, triggerSegment } from '../../shared/audience/flowReach';
import { ensureSegmentFunctions, loadCatalog } from './segmentSql';

/**
 * Who a flow can reach now, as a segment definition the audience code counts: consent to the
 * first message's channel, no pause, the flow's category, and for a segment trigger the
 * segment's own saved rules (its latest active version, what publishing records).
 */
export function flowEligibility(graph: FlowGraph, category: string | null, sqlite: Database.Database): { definition: SegmentDefinition | null; basis: string } {
  return reachOf({ channel: firstChannel(graph), category, segment: triggerSegment(graph) }, sqlite);
}

/** What decides a flow's reach: the first message's channel, the flow's category, the trigger's segment. */
export interface FlowReach {
  channel: Channel;
  category: string | null;
  segment: string | null;
}

export function reachOf({ channel, category, segment }: FlowReach, sqlite: Database.Database): { definition: SegmentDefinition | null; basis: string } {
  const rules: SegmentDefinition['rules'] = [
    { type: 'consent', channel, state: 'opted_in' } satisfies SegmentRule,
    { type: 'paused', isPaused: false } satisfies SegmentRule,
  ];
  const words = [`opted in to ${channel.toUpperCase()}`, 'not paused'];
  if (category) {
    rules.push({ type: 'subscription', category, state: 'subscribed' });
    words.push(`subscribed to ${category}`);
  }
  if (segment !== null) {
    const row = sqlite
      .prepare(
        `SELECT v.definition_json FROM segment_versions v JOIN segments s ON s.id = v.segment_id
         WHERE (s.id = ? OR s.name = ?) AND s.status = 'active' ORDER BY v.version DESC LIMIT 1`,
      )
      .pluck()
      .get(segment, segment) as string | undefined;
    words.push(`in the segment "${segment}"`);
    if (!row) return { definition: null, basis: words.join(', ') };
    const saved = JSON.parse(row) as SegmentDefinition;
    rules.push({ type: 'group', match: saved.match, rules: saved.rules });
  }
  return { definition: { match: 'all', rules }, basis: words.join(', ') };
}

/**
 * Sources that do not say how or where a contact agreed: blank, 'unknown', or 'import' alone (what
 * a contacts file without a consent_source column records). A consent record should keep how the
 * person agreed (DOMAIN.md, "Consent and compliance"); these cannot show it.
 */
export const UNRECORDED_CONSENT_SOURCES = ['', 'import', 'unknown'] as const;

/**
 * How many contacts the flow can reach now whose consent in force (the latest opt-in for the
 * first message's channel, the record the eligibility rule reads) has an unrecorded source:
 * the fact behind CONSENT_SOURCE_UNRECORDED. 0 when the flow's segment is not saved.
 */
export function countUnrecordedConsent(sqlite: Database.Database, reach: FlowReach, now: number): number {
  const { definition } = reachOf(reach, sqlite);
  if (!definition) return 0;
  ensureSegmentFunctions(sqlite);
  const { where, params } = compileSegment(definition, loadCatalog(sqlite), now, 'population');
  const channels = consentChannelSets[reach.channel].map((c) => `'${c}'`).join(', ');
  const source = `(SELECT ce.source FROM consent_events ce WHERE ce.contact_id = c.id AND ce.kind IN ('opt_in', 'opt_out') AND ce.channel IN (${channels})
    AND ce.occurred_at <= ? ORDER BY ce.occurred_at DESC, ce.id DESC LIMIT 1)`;
  return sqlite
    .prepare(`SELECT count(*) FROM contacts c WHERE ${where} AND lower(trim(coalesce(${source}, ''))) IN (SELECT value FROM json_each(?))`)
    .pluck()
    .get(...params, now, JSON.stringify(UNRECORDED_CONSENT_SOURCES)) as number;
}
