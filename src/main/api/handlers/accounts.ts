import type { HandlerContext, HandlerMap } from '../context';
import { walkFlow } from '../../accounts/walkFlow';
import { sendTest, testSendStatus } from '../../accounts/testSend';
import { mediaFor } from './media';

const testSendDeps = (ctx: HandlerContext) => ({
  db: ctx.db,
  accounts: ctx.services.accounts,
  hosting: ctx.services.mediaHosting,
  media: mediaFor(ctx),
  flows: ctx.services.flows,
});

/** Sending accounts, media hosting and test sends; credentials go in and never come out. */
export const accountsHandlers = {
  'accounts.list': async (_input, ctx) => ctx.services.accounts.list(),
  'accounts.add': async (input, ctx) => ctx.services.accounts.add(input),
  'accounts.update': async (input, ctx) => ctx.services.accounts.update(input),
  'accounts.remove': async (input, ctx) => ctx.services.accounts.remove(input.id),
  'accounts.test': async (input, ctx) => ctx.services.accounts.test(input.id),
  'accounts.sendTest': async (input, ctx) => sendTest(input, testSendDeps(ctx)),
  'accounts.walkFlow': async (input, ctx) => walkFlow(input, { ...testSendDeps(ctx), sqlite: ctx.sqlite }),
  'accounts.sendingStates': async (_input, ctx) => {
    const { accounts } = await ctx.services.accounts.list();
    return { accounts: accounts.map((account) => ctx.services.sendingStates.statusOf(account)) };
  },
  'accounts.testStatus': async (input, ctx) => testSendStatus(input.accountId, input.providerMessageId, ctx.services.accounts),
  'hosting.get': async (_input, ctx) => ctx.services.mediaHosting.get(),
  'hosting.set': async (input, ctx) => ctx.services.mediaHosting.set(input),
  'hosting.test': async (_input, ctx) => ctx.services.mediaHosting.test(),
} satisfies HandlerMap;
