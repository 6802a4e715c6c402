import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { environmentSecretStore } from '../../src/main/secrets';
import type { FlowDetail, PublishReview } from '../../src/shared/api/flows';
import type { SendingAccount } from '../../src/shared/api/accounts';
import { ok as okFrom } from '../support/dispatch';
import { fakeCredentials } from '../support/fakeProviders';
import { edge, graph, node } from '../support/graphs';

/**
 * The publish review: what confirming would set going, read from the real database (consent
 * ledger, categories, pauses, time zones), a real dry-run for the cost, and every refusal
 * publishing would give, without changing anything.
 */
let dir: string;
let postcard: Postcard;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-review-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false, secretStore: environmentSecretStore({}) });
});
afterEach(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});
const ok = <T>(method: string, input: unknown): Promise<T> => okFrom<T>(postcard, method, input);

async function smsFlow(settings: Record<string, unknown> = {}): Promise<FlowDetail> {
  const flow = await ok<FlowDetail>('flows.create', { name: 'Promo' });
  await ok('flows.saveDraft', {
    id: flow.id,
    settings: { ...flow.settings, ...settings },
    graph: graph(
      [node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'Hi {{ first_name | default: "there" }}, 20% off today. Reply STOP to opt out.' }), node('x', 'exit')],
      [edge('t', 'next', 's'), edge('s', 'next', 'x')],
    ),
  });
  return flow;
}

describe('flows.review', { timeout: 60_000 }, () => {
  it('counts who can receive the flow now (consent, pause and category aware), where they are, and prices a dry-run per channel', async () => {
    await ok('audience.saveCategory', { id: 'promotions', label: 'Promotions', isDefaultSubscribed: true });
    await ok('contacts.import', {
      csv: [
        'phone,time_zone,consent,first_name',
        '+12125550101,America/New_York,opted_in,Ava',
        '+12125550102,America/New_York,opted_in,Ben',
        '+13105550103,America/Los_Angeles,opted_in,Cy',
        '+13105550104,America/Los_Angeles,opted_out,Dee',
        '+13105550105,America/Los_Angeles,opted_in,Eve',
        '+13105550106,America/Los_Angeles,opted_in,Fay',
      ].join('\n'),
    });
    await ok('contacts.setPreference', { phone: '+13105550105', change: { type: 'category', category: 'promotions', state: 'unsubscribed' }, source: 'api' });
    await ok('contacts.setPreference', { phone: '+13105550106', change: { type: 'pause', until: '2099-01-01' }, source: 'api' });
    const flow = await smsFlow({ category: 'promotions' });

    const review = await ok<PublishReview>('flows.review', { id: flow.id });
    expect(review.sender).toEqual({ kind: 'simulator' });
    // Opted out, unsubscribed from promotions and paused contacts cannot receive it.
    expect(review.audience.eligibleNow).toBe(3);
    expect(review.audience.basis).toBe('opted in to SMS, not paused, subscribed to promotions');
    expect(review.audience.timeZones.map((z) => [z.timeZone, z.contacts])).toEqual([
      ['America/New_York', 2],
      ['America/Los_Angeles', 1],
    ]);
    expect(review.audience.timeZones[0]?.localTime).toMatch(/^\d\d:\d\d$/);
    expect(review.sendWindow).toMatchObject({ isQuietHoursEnabled: true, start: '21:00', end: '08:00' });
    // One SMS of one segment per entrant, at the price table's default SMS price.
    expect(review.forecastProblem).toBeNull();
    const sms = review.forecast?.channels.find((c) => c.channel === 'sms');
    expect(sms?.messagesPerThousand).toBe(1000);
    expect(sms?.messagesForEligible).toBe(3);
    expect(sms?.costPerThousand).toBeCloseTo(1000 * 0.0079, 1);
    expect(review.forecast?.channels.find((c) => c.channel === 'mms')?.messagesPerThousand).toBe(0);
    expect(review.canPublish).toBe(true);
    expect(review.nextVersion).toBe(1);
    // A review changes nothing: the flow is still a draft.
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).status).toBe('draft');
  });

  it('lists what publishing would refuse as errors, and the account that would send', async () => {
    const account = await ok<SendingAccount>('accounts.add', {
      provider: 'twilio',
      name: 'MMS only',
      sender: '+14155550100',
      channels: ['mms'],
      baseUrl: 'http://127.0.0.1:9',
      messagesPerSecond: 10,
      secrets: fakeCredentials.twilio,
    });
    const flow = await smsFlow({ sendingAccountId: account.id });
    const review = await ok<PublishReview>('flows.review', { id: flow.id });
    expect(review.sender).toMatchObject({ kind: 'account', name: 'MMS only', provider: 'twilio', sender: '+14155550100', messagesPerSecond: 10 });
    expect(review.issues.filter((i) => i.severity === 'error').map((i) => i.code)).toEqual(['SENDING_ACCOUNT_CHANNEL']);
    expect(review.canPublish).toBe(false);
    // The publish itself refuses it the same way.
    const published = await postcard.dispatch('flows.publish', { id: flow.id });
    expect(published.ok).toBe(false);
  });

  it('refuses a flow whose subscription category is unknown or archived, saying which and what to do', async () => {
    await ok('audience.saveCategory', { id: 'back_in_stock', label: 'Back in stock', isDefaultSubscribed: true });
    const flow = await smsFlow({ category: 'back_in_stock' });
    const categoryErrors = async (): Promise<Array<{ code: string; message: string }>> => {
      const review = await ok<PublishReview>('flows.review', { id: flow.id });
      expect(review.canPublish).toBe(!review.issues.some((i) => i.severity === 'error'));
      return review.issues.filter((i) => i.severity === 'error' && i.code.startsWith('FLOW_CATEGORY')).map(({ code, message }) => ({ code, message }));
    };
    expect(await categoryErrors()).toEqual([]);

    await ok('audience.archiveCategory', { id: 'back_in_stock' });
    expect(await categoryErrors()).toEqual([
      {
        code: 'FLOW_CATEGORY_ARCHIVED',
        message: `"Promo" belongs to the subscription category "Back in stock", which is archived: nobody can receive messages of an archived category; choose another in the flow's settings (Consent), or none.`,
      },
    ]);
    expect((await ok<PublishReview>('flows.review', { id: flow.id })).canPublish).toBe(false);
    // Publishing without the review (API, CLI) is refused the same way, and nothing goes live.
    const published = (await postcard.dispatch('flows.publish', { id: flow.id })) as { ok: boolean; error?: { code: string; message: string } };
    expect(published).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(published.error?.message).toContain('which is archived');
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).status).not.toBe('live');

    const detail = await ok<FlowDetail>('flows.get', { id: flow.id });
    await ok('flows.saveDraft', { id: flow.id, settings: { ...detail.settings, category: 'vip_offers' }, graph: detail.graph });
    const [unknown] = await categoryErrors();
    expect(unknown?.code).toBe('FLOW_CATEGORY_UNKNOWN');
    expect(unknown?.message).toContain('"vip_offers", which this workspace does not have');

    await ok('flows.saveDraft', { id: flow.id, settings: { ...detail.settings, category: null }, graph: detail.graph });
    expect(await categoryErrors()).toEqual([]);
  });
});

describe('compliance facts from the database', { timeout: 60_000 }, () => {
  it('CONSENT_SOURCE_UNRECORDED counts the reachable contacts whose consent has no recorded source; the editor gets the same count', async () => {
    await ok('contacts.import', {
      csv: [
        'phone,consent,consent_source',
        '+12125550201,opted_in,web form /join 2026-01-02',
        '+12125550202,opted_in,',
        '+12125550203,opted_in,',
        '+12125550204,opted_out,',
      ].join('\n'),
    });
    // A keyword START is a recorded source: it replaces the import record in force.
    await ok('contacts.setPreference', { phone: '+12125550203', change: { type: 'channel', channel: 'sms', state: 'opted_in' }, source: 'keyword' });
    const flow = await smsFlow();
    const review = await ok<PublishReview>('flows.review', { id: flow.id });
    const issue = review.issues.find((i) => i.code === 'CONSENT_SOURCE_UNRECORDED');
    expect(issue?.severity).toBe('warning');
    // Only +12125550202: opted in by a file that did not say how (the opted-out one cannot be reached).
    expect(issue?.message).toMatch(/^1 contact this flow can reach now has consent with no recorded source/);
    expect(review.canPublish).toBe(true);
    const facts = await ok<{ unrecordedConsentContacts: number; brandName: string }>('audience.complianceFacts', { channel: 'sms', category: null, segment: null, sendingAccountId: null });
    expect(facts).toMatchObject({ unrecordedConsentContacts: 1, brandName: '' });
  });

  it('FIRST_MESSAGE_NO_BRAND follows the workspace brand name; MMS_ACCOUNT_NO_MMS blocks publishing an MMS step on a texts-only account', async () => {
    await ok('workspace.saveSettings', { brandName: 'Globex', defaultTimeZone: 'America/Chicago', keywords: [] });
    const account = await ok<SendingAccount>('accounts.add', {
      provider: 'twilio',
      name: 'Texts only',
      sender: '+14155550100',
      channels: ['sms'],
      baseUrl: 'http://127.0.0.1:9',
      messagesPerSecond: 10,
      secrets: fakeCredentials.twilio,
    });
    const flow = await ok<FlowDetail>('flows.create', { name: 'Picture promo' });
    await ok('flows.saveDraft', {
      id: flow.id,
      settings: { ...flow.settings, sendingAccountId: account.id },
      graph: graph(
        [node('t', 'trigger', { type: 'manual' }), node('m', 'mms', { body: 'New in! Reply STOP to opt out.' }, 'New arrivals'), node('x', 'exit')],
        [edge('t', 'next', 'm'), edge('m', 'sent', 'x')],
      ),
    });
    const review = await ok<PublishReview>('flows.review', { id: flow.id });
    expect(review.issues.filter((i) => i.code === 'FIRST_MESSAGE_NO_BRAND').map((i) => i.nodeId)).toEqual(['m']);
    expect(review.issues.filter((i) => i.severity === 'error').map((i) => [i.code, i.nodeId])).toEqual([['MMS_ACCOUNT_NO_MMS', 'm']]);
    expect(review.canPublish).toBe(false);
    const published = await postcard.dispatch('flows.publish', { id: flow.id });
    expect(published.ok).toBe(false);
    expect(!published.ok && published.error.message).toContain('does not carry MMS');
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).status).toBe('draft');
  });
});
