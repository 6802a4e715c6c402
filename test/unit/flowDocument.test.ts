import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, parseFlowDocument, validateFlow } from '../../src/shared';

const samplesDir = join(import.meta.dirname, '../../resources/flows');

const v1Document = {
  format: 'postcard.flow',
  schemaVersion: 1,
  name: 'Welcome (exported by the first preview)',
  graph: {
    nodes: [
      { id: 't', kind: 'trigger', position: { x: 0, y: 0 }, config: { type: 'subscribed', channel: 'sms' } },
      { id: 'm', kind: 'mms', position: { x: 0, y: 100 }, config: { subject: '', body: 'Welcome!', mediaAssetId: null, fallbackAfterHours: 24 } },
      { id: 's', kind: 'sms', position: { x: 200, y: 200 }, config: { body: 'Welcome!' } },
      { id: 'x', kind: 'exit', position: { x: 0, y: 300 }, config: { reason: '' } },
    ],
    edges: [
      { id: 'e1', source: 't', sourceHandle: 'next', target: 'm' },
      { id: 'e2', source: 'm', sourceHandle: 'sent', target: 'x' },
      { id: 'e3', source: 'm', sourceHandle: 'fallback', target: 's' },
      { id: 'e4', source: 's', target: 'x' },
    ],
  },
};

describe('flow documents', () => {
  it('every shipped sample parses at the current schema and validates without errors', () => {
    const files = readdirSync(samplesDir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const parsed = parseFlowDocument(JSON.parse(readFileSync(join(samplesDir, file), 'utf8')));
      if (!parsed.ok) throw new Error(`${file}: ${parsed.error.message}`);
      expect(parsed.upgradedFrom).toBeNull();
      expect(validateFlow(parsed.document.graph).hasErrors).toBe(false);
    }
  });

  it('upgrades a version-1 document: handles become ports and default settings appear', () => {
    const parsed = parseFlowDocument(structuredClone(v1Document));
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.upgradedFrom).toBe(1);
    expect(parsed.document.schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
    expect(parsed.document.graph.edges.map((e) => e.sourcePort)).toEqual(['next', 'sent', 'fallback', 'next']);
    expect(parsed.document.settings.quietHours).toEqual({ isEnabled: true, start: '21:00', end: '08:00' });
    expect(validateFlow(parsed.document.graph).issues).toEqual([]);
  });

  it('the upgrade is pure: the input object is left untouched', () => {
    const input = structuredClone(v1Document);
    parseFlowDocument(input);
    expect(input).toEqual(v1Document);
  });

  it.each([
    ['not an object', [1, 2, 3], 'DOCUMENT_INVALID'],
    ['another format', { format: 'someone.else', schemaVersion: 1 }, 'DOCUMENT_INVALID'],
    ['no schema version', { format: 'postcard.flow' }, 'DOCUMENT_INVALID'],
    ['a newer schema', { format: 'postcard.flow', schemaVersion: 99 }, 'DOCUMENT_TOO_NEW'],
    ['an unknown node kind', { ...v1Document, graph: { nodes: [{ id: 'q', kind: 'webhook', position: { x: 0, y: 0 }, config: {} }], edges: [] } }, 'DOCUMENT_INVALID'],
    ['a node id with markup', { ...v1Document, graph: { nodes: [{ id: '<img src=x>', kind: 'exit', position: { x: 0, y: 0 }, config: { reason: '' } }], edges: [] } }, 'DOCUMENT_INVALID'],
    ['a non-finite position', { ...v1Document, graph: { nodes: [{ id: 'x', kind: 'exit', position: { x: 1e308 * 10, y: 0 }, config: { reason: '' } }], edges: [] } }, 'DOCUMENT_INVALID'],
  ])('refuses %s with a code and a message that names the problem', (_label, input, code) => {
    const parsed = parseFlowDocument(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe(code);
      expect(parsed.error.message.length).toBeGreaterThan(10);
    }
  });

  it('a document from before send profiles gets the safe default; a profile that is not an MMS one is refused by name', () => {
    const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.json'));
    const sample = JSON.parse(readFileSync(join(samplesDir, samples[0] as string), 'utf8')) as { settings: Record<string, unknown> };
    delete sample.settings.sendProfileId;
    const parsed = parseFlowDocument(sample);
    expect(parsed.ok && parsed.document.settings.sendProfileId).toBe('mms-default');
    const longCode = parseFlowDocument({ ...sample, settings: { ...sample.settings, sendProfileId: 'us-long-code' } });
    expect(longCode.ok && longCode.document.settings.sendProfileId).toBe('us-long-code');
    for (const wrong of ['whatsapp', 'carrier-pigeon', 7]) {
      const refused = parseFlowDocument({ ...sample, settings: { ...sample.settings, sendProfileId: wrong } });
      expect(refused.ok).toBe(false);
      expect(refused.ok ? '' : refused.error.message).toMatch(/settings\.sendProfileId.*MMS send profiles/);
    }
  });

  it('a document from before sending accounts sends through the simulator; an account id is kept, never a credential', () => {
    const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.json'));
    const sample = JSON.parse(readFileSync(join(samplesDir, samples[0] as string), 'utf8')) as { settings: Record<string, unknown> };
    delete sample.settings.sendingAccountId;
    const parsed = parseFlowDocument(sample);
    expect(parsed.ok && parsed.document.settings.sendingAccountId).toBeNull();
    const onAccount = parseFlowDocument({ ...sample, settings: { ...sample.settings, sendingAccountId: 'acc_0123456789abcdef' } });
    expect(onAccount.ok && onAccount.document.settings.sendingAccountId).toBe('acc_0123456789abcdef');
    for (const wrong of ['AC0123456789abcdef0123456789abcdef', { authToken: 'x' }, 7]) {
      const refused = parseFlowDocument({ ...sample, settings: { ...sample.settings, sendingAccountId: wrong } });
      expect(refused.ok ? '' : refused.error.message).toMatch(/settings\.sendingAccountId/);
    }
  });

  it('names the path of a bad field', () => {
    const bad = structuredClone(v1Document);
    (bad.graph.nodes[2] as { config: unknown }).config = { body: 42 };
    const parsed = parseFlowDocument(bad);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toMatch(/graph\.nodes\[2\]\.config\.body/);
  });

  it('drops prototype-polluting keys instead of applying them', () => {
    const text = JSON.stringify(v1Document).replace('"body":"Welcome!"', '"__proto__":{"isAdmin":true},"body":"Welcome!"');
    const parsed = parseFlowDocument(JSON.parse(text));
    if (!parsed.ok) throw new Error(parsed.error.message);
    const config = parsed.document.graph.nodes[1]?.config as Record<string, unknown>;
    expect(Object.keys(config)).not.toContain('__proto__');
    expect(config.isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
