import { describe, expect, it } from 'vitest';
import { validateFlow, type FlowGraph, type IssueCode, type MediaFacts, type ValidationContext } from '../../src/shared';
import { templateVariableUses } from '../../src/shared/template';
import { edge, graph, node } from '../support/graphs';

/** Codes the context adds: the graph-only rules are covered in validateFlow.test.ts. */
const codes = (g: FlowGraph, context: ValidationContext): IssueCode[] => validateFlow(g, context).issues.map((i) => i.code);

const ASSET = 'a'.repeat(64);
const photo = (renditions: MediaFacts['renditions'] = { 'mms-default': { bytes: 420_000, mime: 'image/jpeg' } }): MediaFacts => ({
  name: 'sale.jpg',
  kind: 'image',
  renditions,
});

/** trigger → mms (sent → exit, fallback → sms → exit): complete and valid. */
function mmsFlow(mms: Parameters<typeof node<'mms'>>[2] = {}, sms = 'Hi {{ first_name }}, the sale is on.'): FlowGraph {
  return graph(
    [
      node('t', 'trigger', { type: 'manual' }),
      node('m', 'mms', { body: 'Hi {{ first_name }}', mediaAssetId: ASSET, ...mms }),
      node('s', 'sms', { body: sms }),
      node('x', 'exit'),
    ],
    [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 's'), edge('s', 'next', 'x')],
  );
}
const library = (facts: MediaFacts = photo()): ValidationContext => ({ media: new Map([[ASSET, facts]]), contactAttributes: ['first_name'] });

describe('validateFlow with a validation context', () => {
  it('without a context, none of the context rules run (existing callers keep their results)', () => {
    const g = mmsFlow({ mediaAssetId: 'b'.repeat(64), body: '{{ nobody_has_this }}' });
    g.edges = g.edges.filter((e) => e.target !== 's');
    g.edges.push(edge('m', 'fallback', 'x', 'fb-exit'));
    expect(validateFlow(g).issues.map((i) => i.code)).toEqual(['NODE_UNREACHABLE']);
  });

  it('accepts a flow whose media is in the library and fits the send profile', () => {
    expect(codes(mmsFlow(), library())).toEqual([]);
  });

  it('MMS_MEDIA_MISSING when the asset is not in the library', () => {
    const issue = validateFlow(mmsFlow({ mediaAssetId: 'b'.repeat(64) }), library()).issues[0];
    expect(issue).toMatchObject({ code: 'MMS_MEDIA_MISSING', severity: 'error', nodeId: 'm' });
    // Without library facts nothing can be said about the asset.
    expect(codes(mmsFlow({ mediaAssetId: 'b'.repeat(64) }), { contactAttributes: ['first_name'] })).toEqual([]);
  });

  it('MMS_MEDIA_OVER_BUDGET when the rendition for the send profile is over its budget', () => {
    const huge = photo({ 'mms-default': { bytes: 800_000, mime: 'image/jpeg' }, 'us-long-code': { bytes: 800_000, mime: 'image/jpeg' } });
    const issue = validateFlow(mmsFlow(), library(huge)).issues[0];
    expect(issue).toMatchObject({ code: 'MMS_MEDIA_OVER_BUDGET', severity: 'error', nodeId: 'm' });
    // The same file fits a 1 MB long-code send.
    expect(codes(mmsFlow(), { ...library(huge), profileId: 'us-long-code' })).toEqual([]);
    // The pipeline found no rendition that fits at all.
    expect(codes(mmsFlow(), library({ ...photo({}), kind: 'video', refusals: { 'mms-default': 'MEDIA_OVER_BUDGET' } }))).toEqual(['MMS_MEDIA_OVER_BUDGET']);
    // A profile not rendered yet is not judged.
    expect(codes(mmsFlow(), { ...library(photo({})), profileId: 'international' })).toEqual([]);
  });

  it('MMS_MEDIA_UNSUPPORTED when the rendition is a type the profile refuses', () => {
    const gif = photo({ whatsapp: { bytes: 200_000, mime: 'image/gif' } });
    expect(codes(mmsFlow(), { ...library(gif), profileId: 'whatsapp' })).toEqual(['MMS_MEDIA_UNSUPPORTED']);
    const jpeg = photo({ whatsapp: { bytes: 200_000, mime: 'image/jpeg' } });
    expect(codes(mmsFlow(), { ...library(jpeg), profileId: 'whatsapp' })).toEqual([]);
    // A video with no ffmpeg to prepare it cannot be sent either.
    expect(codes(mmsFlow(), library({ ...photo({}), kind: 'video', refusals: { 'mms-default': 'MEDIA_VIDEO_UNAVAILABLE' } }))).toEqual(['MMS_MEDIA_UNSUPPORTED']);
  });

  it('MMS_FALLBACK_BODY_EMPTY when the fallback leads to no SMS; an empty fallback SMS is left to MESSAGE_BODY_EMPTY', () => {
    const toExit = mmsFlow();
    toExit.edges = toExit.edges.filter((e) => e.sourcePort !== 'fallback');
    toExit.edges.push(edge('m', 'fallback', 'x', 'fb-exit'));
    const issues = validateFlow(toExit, library()).issues.filter((i) => i.nodeId === 'm');
    expect(issues.map((i) => [i.code, i.severity, i.port])).toEqual([['MMS_FALLBACK_BODY_EMPTY', 'warning', 'fallback']]);

    // Through a wait to an SMS is fine.
    const viaWait = mmsFlow();
    viaWait.nodes.push(node('w', 'wait', { type: 'duration', amount: 1, unit: 'hours' }));
    viaWait.edges = viaWait.edges.filter((e) => e.sourcePort !== 'fallback');
    viaWait.edges.push(edge('m', 'fallback', 'w'), edge('w', 'next', 's'));
    expect(codes(viaWait, library())).toEqual([]);

    // An empty fallback SMS is one problem, reported once, on the SMS.
    expect(codes(mmsFlow({}, '  '), library())).toEqual(['MESSAGE_BODY_EMPTY']);
    // No fallback wired at all stays MMS_FALLBACK_UNCONNECTED.
    const unwired = mmsFlow();
    unwired.edges = unwired.edges.filter((e) => e.sourcePort !== 'fallback');
    expect(codes(unwired, library()).sort()).toEqual(['MMS_FALLBACK_UNCONNECTED', 'NODE_UNREACHABLE']);
  });

  it('TEMPLATE_UNKNOWN_VARIABLE warns about variables contacts do not have, not about defaulted ones or phone', () => {
    const g = mmsFlow({ subject: '{{ citty }} deals', body: 'Hi {{ first_name }}, your {{ cart_item | default: "items" }} ({{ phone }})' });
    const issues = validateFlow(g, library()).issues;
    expect(issues.map((i) => [i.code, i.severity, i.nodeId])).toEqual([['TEMPLATE_UNKNOWN_VARIABLE', 'warning', 'm']]);
    expect(issues[0]?.message).toContain('citty');
    expect(issues[0]?.message).not.toContain('cart_item');
    expect(validateFlow(g, library()).hasErrors).toBe(false);
    // A variable used once with a default and once without still warns.
    const sms = mmsFlow({}, '{{ city | default: "your town" }} and {{ city }}');
    expect(codes(sms, library())).toEqual(['TEMPLATE_UNKNOWN_VARIABLE']);
    expect(codes(sms, { ...library(), contactAttributes: ['first_name', 'city'] })).toEqual([]);
  });
});

describe('templateVariableUses', () => {
  it('lists contact variables with whether every use is defaulted, ignoring assigned names', () => {
    expect(templateVariableUses('{{ a | default: "x" }} {% if b %}{{ b | default: "y" }}{% endif %}{% assign c = "1" %}{{ c }}\n{{ d.e }}')).toEqual([
      { name: 'a', hasDefault: true },
      { name: 'b', hasDefault: false },
      { name: 'd', hasDefault: false },
    ]);
    expect(templateVariableUses('{{ broken ')).toBeNull();
  });
});
