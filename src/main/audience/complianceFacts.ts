import type Database from 'better-sqlite3';
import type { Channel } from '../../shared/engine/types';
import type { FlowSettings } from '../../shared/flow/settings';
import type { ComplianceFacts } from '../../shared/graph/compliance';
import type { FlowGraph } from '../../shared/graph/graph';
import type { FlowComplianceFacts } from '../../shared/api/audience';
import { firstChannel, triggerSegment } from '../../shared/audience/flowReach';
import { countUnrecordedConsent, type FlowReach } from './eligibility';
import { readWorkspaceSettings } from './workspace';

/** A sending account as the checks see it: its name and channels (never its credentials). */
export interface AccountChannels {
  id: string;
  name: string;
  channelsJson: string;
}

/**
 * The facts the compliance checks need beyond the flow, read from the database: the workspace
 * brand, the flow's sending account's channels, and how many contacts it can reach now with an
 * unrecorded consent source. The same facts serve the publish review, publishing and the editor.
 */
export function complianceFacts(
  sqlite: Database.Database,
  flow: { graph: FlowGraph; settings: FlowSettings },
  findAccount: (id: string) => AccountChannels | undefined,
  now: number,
): Required<ComplianceFacts> {
  const reach = { channel: firstChannel(flow.graph), category: flow.settings.category, segment: triggerSegment(flow.graph) };
  const facts = complianceFactsFor(sqlite, reach, flow.settings.sendingAccountId, findAccount, now);
  return { ...facts, sendingAccounts: new Map(facts.sendingAccounts.map(({ id, ...account }) => [id, account])) };
}

/** The same facts for what the editor's draft says (its reach and account), as plain data for the API. */
export function complianceFactsFor(
  sqlite: Database.Database,
  reach: FlowReach,
  sendingAccountId: string | null,
  findAccount: (id: string) => AccountChannels | undefined,
  now: number,
): FlowComplianceFacts {
  const account = sendingAccountId ? findAccount(sendingAccountId) : undefined;
  return {
    brandName: readWorkspaceSettings(sqlite).brandName,
    sendingAccounts: account ? [{ id: account.id, name: account.name, channels: JSON.parse(account.channelsJson) as Channel[] }] : [],
    unrecordedConsentContacts: countUnrecordedConsent(sqlite, reach, now),
  };
}
