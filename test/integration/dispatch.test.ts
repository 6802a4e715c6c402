import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import type { HandlerMap } from '../../src/main/api/context';
import { createDispatch, type Dispatch } from '../../src/main/api/dispatch';
import { handlers as realHandlers } from '../../src/main/api/handlers';
import { PostcardError, methodNames, type ApiResult } from '../../src/shared';

let dir: string;
let postcard: Postcard;
let calls: string[];
let logged: unknown[];
let dispatch: Dispatch;

/** The real handlers, each wrapped to record that it ran. */
function recording(extra: HandlerMap = {}): HandlerMap {
  const wrapped: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries({ ...realHandlers, ...extra })) {
    wrapped[name] = (input: unknown, ctx: unknown) => {
      calls.push(name);
      return (handler as (input: unknown, ctx: unknown) => Promise<unknown>)(input, ctx);
    };
  }
  return wrapped as HandlerMap;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-dispatch-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false });
  calls = [];
  logged = [];
  dispatch = createDispatch({
    handlers: recording(),
    context: { services: postcard.services, events: postcard.events, db: postcard.db, sqlite: postcard.sqlite, dataDir: dir, appVersion: '0.0.0-test' },
    logError: (_method, error) => logged.push(error),
  });
});

afterEach(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

const codeOf = (result: ApiResult<unknown>): string => (result.ok ? 'ok' : result.error.code);

describe('dispatch', () => {
  it('has a handler for every method of the contract', () => {
    expect(methodNames.filter((name) => !(name in realHandlers))).toEqual([]);
  });

  it('refuses unknown methods, including inherited property names', async () => {
    for (const method of ['flows.nuke', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      expect(codeOf(await dispatch(method, {})), method).toBe('UNKNOWN_METHOD');
    }
    expect(calls).toEqual([]);
  });

  it('refuses malformed input with INVALID_INPUT naming the field, before any handler runs', async () => {
    const cases: [string, unknown, string][] = [
      ['flows.create', { name: 42 }, 'name'],
      ['flows.create', {}, 'name'],
      ['flows.create', null, ''],
      ['flows.create', undefined, ''],
      ['flows.create', ['name'], ''],
      ['flows.create', { name: 'ok', extra: true }, 'extra'],
      ['flows.get', { id: '../../etc/passwd' }, 'id'],
      ['flows.get', { id: 'x'.repeat(65) }, 'id'],
      ['flows.list', { search: 'x'.repeat(201) }, 'search'],
      ['flows.saveDraft', { id: 'a', baseRevision: -1, graph: { nodes: [], edges: [] } }, 'baseRevision'],
      ['flows.saveDraft', { id: 'a', baseRevision: 1.5, graph: { nodes: [], edges: [] } }, 'baseRevision'],
      ['flows.saveDraft', { id: 'a', graph: { nodes: [{ id: 'n', kind: 'sms', position: { x: 'left', y: 0 }, config: { body: '' } }], edges: [] } }, 'graph.nodes[0].position.x'],
      ['flows.export', { id: 'a', version: 0 }, 'version'],
    ];
    for (const [method, input, field] of cases) {
      const result = await dispatch(method, input);
      expect(codeOf(result), `${method} ${JSON.stringify(input)}`).toBe('INVALID_INPUT');
      if (!result.ok && field) expect(result.error.message).toContain(field);
    }
    expect(calls).toEqual([]);
    expect(postcard.services.flows.list()).toEqual([]);
  });

  it('turns a PostcardError into its code and anything else into a generic INTERNAL', async () => {
    dispatch = createDispatch({
      handlers: recording({
        'flows.list': async () => {
          throw new PostcardError('UNAVAILABLE', 'the disk is asleep');
        },
        'flows.get': async () => {
          throw new TypeError('cannot read properties of undefined (reading "secret/path/on/disk")');
        },
      }),
      context: { services: postcard.services, events: postcard.events, db: postcard.db, sqlite: postcard.sqlite, dataDir: dir, appVersion: '0' },
      logError: (_method, error) => logged.push(error),
    });
    const known = await dispatch('flows.list', {});
    expect(known).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'the disk is asleep' } });
    const unknown = await dispatch('flows.get', { id: 'abc' });
    expect(codeOf(unknown)).toBe('INTERNAL');
    expect(JSON.stringify(unknown)).not.toContain('secret/path');
    expect(JSON.stringify(unknown)).not.toContain('at ');
    expect(logged).toHaveLength(1);
  });

  it('answers UNAVAILABLE for a contract method that has no handler yet', async () => {
    dispatch = createDispatch({
      handlers: {},
      context: { services: postcard.services, events: postcard.events, db: postcard.db, sqlite: postcard.sqlite, dataDir: dir, appVersion: '0' },
    });
    expect(codeOf(await dispatch('flows.list', {}))).toBe('UNAVAILABLE');
  });

  it('passes parsed input (trimmed, defaults applied) to the handler', async () => {
    const result = await dispatch('flows.create', { name: '  Spring sale  ' });
    expect(result.ok && (result.value as { name: string }).name).toBe('Spring sale');
    expect(calls).toEqual(['flows.create']);
  });
});
