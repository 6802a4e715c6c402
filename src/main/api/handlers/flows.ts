import { PostcardError } from '../../../shared/api/result';
import type { MediaFacts, ValidationContext } from '../../../shared/graph/validate';
import type { FlowId } from '../../../shared/ids';
import type { FlowSettings } from '../../../shared/flow/settings';
import type { ProfileId } from '../../../shared/media/profiles';
import type { HandlerContext, HandlerMap } from '../context';
import type { FlowGraph } from '../../../shared/graph/graph';
import { complianceFacts } from '../../audience/complianceFacts';
import { mediaFor } from './media';
import { prepareSendingForPublish } from '../../accounts/publish';
import { categoryProblems, reviewPublish } from '../../services/publishReview';
import { engineFor } from './engine';

export const flowsHandlers = {
  'app.info': async (_input, ctx) => ({
    name: 'Postcard',
    version: ctx.appVersion,
    dataDir: ctx.dataDir,
    transport: ctx.transport === 'ipc' ? 'ipc' : 'http',
  }),
  'flows.list': async (input, ctx) => ctx.services.flows.list(input.search),
  'flows.get': async (input, ctx) => ctx.services.flows.get(input.id),
  'flows.create': async (input, ctx) => ctx.services.flows.create(input.name),
  'flows.rename': async (input, ctx) => ctx.services.flows.rename(input.id, input.name),
  'flows.saveDraft': async (input, ctx) => ctx.services.flows.saveDraft(input),
  'flows.review': async (input, ctx) =>
    reviewPublish(input.id, { services: ctx.services, sqlite: ctx.sqlite, engine: engineFor(ctx), validationContext: await publishContext(input.id, ctx), now: Date.now() }),
  'flows.publish': async (input, ctx) => {
    const context = await publishContext(input.id, ctx);
    // The review's category check holds for a publish through the API or CLI too (review skipped).
    const { name, settings } = ctx.services.flows.get(input.id);
    const [categoryProblem] = categoryProblems(name, settings.category, ctx.sqlite);
    if (categoryProblem) throw new PostcardError('CONFLICT', categoryProblem.message);
    // A flow on a real account goes live only with its media in the bucket providers fetch from.
    await prepareSendingForPublish(input.id, ctx.services, mediaFor(ctx));
    return ctx.services.flows.publish(input.id, context);
  },
  'flows.duplicate': async (input, ctx) => ctx.services.flows.duplicate(input.id, input.name),
  'flows.delete': async (input, ctx) => ctx.services.flows.delete(input.id),
  'flows.import': async (input, ctx) => ctx.services.flows.import(input.document, input.name),
  'flows.export': async (input, ctx) => ctx.services.flows.export(input.id, input.version),
} satisfies HandlerMap;

/**
 * The media facts publishing is judged on: every asset the draft's MMS steps use, rendered for
 * the flow's send profile (cached after the first time, so the engine finds it ready). An asset
 * the library no longer has is left out, which validation reports as MMS_MEDIA_MISSING; one the
 * pipeline refuses is recorded with its code.
 */
async function publishContext(id: FlowId, ctx: HandlerContext): Promise<ValidationContext | undefined> {
  let assetIds: string[];
  let profileId: ProfileId;
  let flowSettings: FlowSettings;
  let graph: FlowGraph;
  try {
    const flow = ctx.services.flows.get(id);
    const settings = flow.settings;
    graph = flow.graph;
    assetIds = [...new Set(graph.nodes.flatMap((node) => (node.kind === 'mms' && node.config.mediaAssetId ? [node.config.mediaAssetId] : [])))];
    profileId = settings.sendProfileId;
    flowSettings = settings;
  } catch {
    return undefined; // publish itself reports a missing or damaged flow
  }
  const media = new Map<string, MediaFacts>();
  const library = mediaFor(ctx);
  for (const assetId of assetIds) {
    try {
      const rendition = await library.render(assetId, profileId);
      const asset = await library.get(assetId);
      media.set(assetId, { name: asset.name, kind: asset.kind, renditions: { [profileId]: { bytes: rendition.bytes, mime: rendition.mime } } });
    } catch (error) {
      if (!(error instanceof PostcardError) || error.code === 'NOT_FOUND' || error.code === 'INVALID_INPUT') continue;
      const asset = await library.get(assetId).catch(() => null);
      if (asset) media.set(assetId, { name: asset.name, kind: asset.kind, renditions: {}, refusals: { [profileId]: error.code } });
    }
  }
  return { media, profileId, settings: flowSettings, ...complianceFacts(ctx.sqlite, { graph, settings: flowSettings }, (accountId) => ctx.services.accounts.find(accountId), Date.now()) };
}
