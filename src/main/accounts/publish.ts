import { PostcardError } from '../../shared/api/result';
import type { Channel } from '../../shared/engine/types';
import type { FlowId } from '../../shared/ids';
import type { MediaService } from '../media/service';
import type { Services } from '../services';
import { hostedUrl } from './testSend';

export interface PublishHosting {
  /** Renditions put in the bucket by this publish (0 when all were there already). */
  uploaded: number;
  hosted: number;
}

/** Why a flow cannot go live on its sending account yet (the publish review lists them as errors). */
export interface SendingProblem {
  code: 'SENDING_ACCOUNT_MISSING' | 'SENDING_ACCOUNT_CHANNEL' | 'MEDIA_HOSTING_MISSING';
  message: string;
}

type FlowDetailOf = ReturnType<Services['flows']['get']>;

/**
 * Before a flow on a real sending account goes live: the account must be here and carry the
 * flow's channels, and MMS media needs a bucket providers can fetch from. A flow on the
 * simulator needs none of this. Reads only; nothing is uploaded.
 */
export function sendingProblems(flow: FlowDetailOf, services: Services): SendingProblem[] {
  const accountId = flow.settings.sendingAccountId;
  if (!accountId) return [];
  const account = services.accounts.find(accountId);
  if (!account) {
    return [{ code: 'SENDING_ACCOUNT_MISSING', message: `"${flow.name}" is set to send through a sending account that is not on this computer; choose one in the flow's settings.` }];
  }
  const problems: SendingProblem[] = [];
  const channels = JSON.parse(account.channelsJson) as Channel[];
  // MMS steps on an account without MMS are MMS_ACCOUNT_NO_MMS, a compliance check validation runs per step.
  if (flow.graph.nodes.some((node) => node.kind === 'sms') && !channels.includes('sms')) {
    problems.push({
      code: 'SENDING_ACCOUNT_CHANNEL',
      message: `"${flow.name}" has SMS steps, but "${account.name}" does not carry SMS; allow it in Settings → Sending accounts.`,
    });
  }
  if (mediaAssetIds(flow).length > 0 && !services.mediaHosting.isConfigured()) {
    problems.push({
      code: 'MEDIA_HOSTING_MISSING',
      message: `"${flow.name}" sends MMS media through "${account.name}", and providers fetch MMS media from a public URL: set up media hosting first (Settings → Media hosting: an S3-compatible bucket, or \`postcard media-hosting set\`).`,
    });
  }
  return problems;
}

/**
 * At publish: refused with the first sending problem; otherwise every MMS image of a flow on a
 * real account is put in the media hosting bucket (once per content hash), because providers
 * fetch MMS media from a public URL.
 */
export async function prepareSendingForPublish(id: FlowId, services: Services, media: MediaService): Promise<PublishHosting> {
  let flow;
  try {
    flow = services.flows.get(id);
  } catch {
    return { uploaded: 0, hosted: 0 }; // publish itself reports a missing or damaged flow
  }
  const problem = sendingProblems(flow, services)[0];
  if (problem) throw new PostcardError('CONFLICT', problem.message);
  const assetIds = mediaAssetIds(flow);
  if (!flow.settings.sendingAccountId || assetIds.length === 0) return { uploaded: 0, hosted: 0 };
  let uploaded = 0;
  for (const assetId of assetIds) {
    try {
      // Validation names a missing asset, or one that fits the profile's budget at no size.
      if (!(await media.render(assetId, flow.settings.sendProfileId)).fitsBudget) continue;
    } catch {
      continue;
    }
    const before = await services.mediaHosting.urlForAsset(assetId, flow.settings.sendProfileId);
    if (before) continue;
    await hostedUrl(assetId, flow.settings.sendProfileId, { hosting: services.mediaHosting, media });
    uploaded += 1;
  }
  return { uploaded, hosted: assetIds.length };
}

function mediaAssetIds(flow: FlowDetailOf): string[] {
  return [...new Set(flow.graph.nodes.flatMap((node) => (node.kind === 'mms' && node.config.mediaAssetId ? [node.config.mediaAssetId] : [])))];
}
