import type { HandlerMap } from '../context';

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
  'flows.publish': async (input, ctx) => ctx.services.flows.publish(input.id),
  'flows.duplicate': async (input, ctx) => ctx.services.flows.duplicate(input.id, input.name),
  'flows.delete': async (input, ctx) => ctx.services.flows.delete(input.id),
  'flows.import': async (input, ctx) => ctx.services.flows.import(input.document, input.name),
  'flows.export': async (input, ctx) => ctx.services.flows.export(input.id, input.version),
} satisfies HandlerMap;
