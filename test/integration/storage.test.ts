import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { DatabaseOpenError } from '../../src/main/db/open';
import { seedSamples } from '../../src/main/services/samples';
import { defaultDataDir, resolveDataDir } from '../../src/main/paths';
import type { ApiResult, FlowDetail, FlowSummary } from '../../src/shared';
import { linearFlow } from '../support/graphs';
import * as fx from '../fixtures/media/generate';

const dirs: string[] = [];
const opened: Postcard[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'postcard-storage-'));
  dirs.push(dir);
  return dir;
}

async function open(dataDir: string, seedSamples = false): Promise<Postcard> {
  const postcard = await openPostcard({ dataDir, seedSamples });
  opened.push(postcard);
  return postcard;
}

afterEach(() => {
  for (const postcard of opened.splice(0)) postcard.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const value = <T>(result: ApiResult<unknown>): T => {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value as T;
};

describe('database file', () => {
  it('is created in the data dir with the real migrations, WAL and foreign keys on', async () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const postcard = await open(dataDir);
    expect(readdirSync(dataDir)).toContain('postcard.db');
    expect(postcard.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(postcard.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(Number(postcard.sqlite.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
    const tables = postcard.sqlite
      .prepare("select name from sqlite_master where type = 'table' order by name")
      .all()
      .map((row) => (row as { name: string }).name);
    expect(tables).toEqual(expect.arrayContaining(['app_meta', 'flow_versions', 'flows', '__drizzle_migrations']));
  });

  it('makes new databases with 16 KiB pages; one made with another page size keeps it, and its data', async () => {
    const fresh = await open(tempDir());
    expect(fresh.sqlite.pragma('page_size', { simple: true })).toBe(16_384);

    // A database from before: 4 KiB pages, a flow in it.
    const dataDir = tempDir();
    const old = await open(dataDir);
    const created = value<FlowDetail>(await old.dispatch('flows.create', { name: 'From the 4 KiB days' }));
    old.sqlite.pragma('journal_mode = DELETE');
    old.sqlite.pragma('page_size = 4096');
    old.sqlite.exec('VACUUM');
    expect(old.sqlite.pragma('page_size', { simple: true })).toBe(4096);
    old.close();
    opened.splice(opened.indexOf(old), 1);

    const reopened = await open(dataDir);
    expect(reopened.sqlite.pragma('page_size', { simple: true })).toBe(4096);
    expect(reopened.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(value<FlowDetail>(await reopened.dispatch('flows.get', { id: created.id })).name).toBe('From the 4 KiB days');
    expect(reopened.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('keeps flows across a restart and does not re-run migrations', async () => {
    const dataDir = tempDir();
    const first = await open(dataDir);
    const created = value<FlowDetail>(await first.dispatch('flows.create', { name: 'Survives restarts' }));
    value(await first.dispatch('flows.saveDraft', { id: created.id, graph: linearFlow() }));
    const migrations = first.sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
    first.close();

    const second = await open(dataDir);
    const again = value<FlowDetail>(await second.dispatch('flows.get', { id: created.id }));
    expect(again.name).toBe('Survives restarts');
    expect(again.graph.nodes).toHaveLength(4);
    expect(again.revision).toBe(1);
    expect(second.sqlite.prepare('select count(*) as n from __drizzle_migrations').get()).toEqual(migrations);
  });

  it('names the file when it is not a database, and leaves it as it was', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'postcard.db');
    writeFileSync(file, 'this is not a database, but it may be all the user has');
    const error = await openPostcard({ dataDir, seedSamples: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect((error as DatabaseOpenError).message).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe('this is not a database, but it may be all the user has');
  });

  it('refuses to edit a published version even with raw SQL', async () => {
    const postcard = await open(tempDir());
    const flow = value<FlowDetail>(await postcard.dispatch('flows.create', { name: 'Frozen' }));
    value(await postcard.dispatch('flows.saveDraft', { id: flow.id, graph: linearFlow() }));
    value(await postcard.dispatch('flows.publish', { id: flow.id }));
    expect(() => postcard.sqlite.prepare("update flow_versions set document_json = '{}'").run()).toThrow(/immutable/);
  });
});

describe('a corrupt row', () => {
  it('is reported in the list and by get, while the other flows still open', async () => {
    const postcard = await open(tempDir());
    const healthy = value<FlowDetail>(await postcard.dispatch('flows.create', { name: 'Healthy' }));
    const broken = value<FlowDetail>(await postcard.dispatch('flows.create', { name: 'Broken JSON' }));
    const misshapen = value<FlowDetail>(await postcard.dispatch('flows.create', { name: 'Wrong shape' }));
    const badStatus = value<FlowDetail>(await postcard.dispatch('flows.create', { name: 'Odd status' }));
    postcard.sqlite.prepare("update flows set draft_graph_json = '{\"nodes\": [' where id = ?").run(broken.id);
    postcard.sqlite.prepare('update flows set draft_graph_json = ? where id = ?').run(JSON.stringify({ nodes: 'lots', edges: [] }), misshapen.id);
    postcard.sqlite.prepare("update flows set status = 'exploded', settings_json = 'null' where id = ?").run(badStatus.id);

    const list = value<FlowSummary[]>(await postcard.dispatch('flows.list', {}));
    expect(list).toHaveLength(4);
    const byName = new Map(list.map((flow) => [flow.name, flow]));
    expect(byName.get('Healthy')?.error).toBeUndefined();
    for (const name of ['Broken JSON', 'Wrong shape', 'Odd status']) {
      expect(byName.get(name)?.error?.code, name).toBe('FLOW_CORRUPT');
      expect(byName.get(name)?.error?.message, name).toContain(name);
    }

    for (const id of [broken.id, misshapen.id, badStatus.id]) {
      const result = await postcard.dispatch('flows.get', { id });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('FLOW_CORRUPT');
      for (const method of ['flows.export', 'flows.publish', 'flows.duplicate']) {
        const refused = await postcard.dispatch(method, { id });
        expect(refused.ok ? 'ok' : refused.error.code, method).toBe('FLOW_CORRUPT');
      }
    }
    expect(value<FlowDetail>(await postcard.dispatch('flows.get', { id: healthy.id })).name).toBe('Healthy');
    // Saving a fresh draft is the way out for a damaged graph.
    value(await postcard.dispatch('flows.saveDraft', { id: misshapen.id, graph: linearFlow() }));
    expect(value<FlowDetail>(await postcard.dispatch('flows.get', { id: misshapen.id })).graph.nodes).toHaveLength(4);
  });

  it('in a published version is reported when exporting that version', async () => {
    const postcard = await open(tempDir());
    const flow = value<FlowDetail>(await postcard.dispatch('flows.create', { name: 'Old version' }));
    value(await postcard.dispatch('flows.saveDraft', { id: flow.id, graph: linearFlow() }));
    value(await postcard.dispatch('flows.publish', { id: flow.id }));
    // Damage it below the trigger's guard, as a disk error or a foreign tool would.
    postcard.sqlite.exec('drop trigger flow_versions_no_update');
    postcard.sqlite.prepare("update flow_versions set document_json = 'garbage'").run();
    const exported = await postcard.dispatch('flows.export', { id: flow.id, version: 1 });
    expect(exported.ok ? 'ok' : exported.error.code).toBe('FLOW_CORRUPT');
    const detail = value<FlowDetail>(await postcard.dispatch('flows.get', { id: flow.id }));
    expect(detail.versions.map((version) => version.version)).toEqual([1]);
  });
});

describe('first run', () => {
  it('imports the shipped sample flows once, and a deleted sample stays deleted', async () => {
    const dataDir = tempDir();
    const first = await open(dataDir, true);
    const list = value<FlowSummary[]>(await first.dispatch('flows.list', {}));
    const sample = list.find((flow) => flow.name === 'Abandoned cart: MMS with SMS fallback');
    expect(sample).toBeDefined();
    const detail = value<FlowDetail>(await first.dispatch('flows.get', { id: sample!.id }));
    expect(detail.validation.hasErrors).toBe(false);
    expect(detail.graph.nodes.map((node) => node.kind).sort()).toEqual(['branch', 'exit', 'exit', 'mms', 'sms', 'trigger', 'wait']);
    value(await first.dispatch('flows.delete', { id: sample!.id }));
    first.close();

    const second = await open(dataDir, true);
    expect(value<FlowSummary[]>(await second.dispatch('flows.list', {}))).toEqual([]);
  });

  it('skips a broken sample file with a warning and still seeds the others', async () => {
    const postcard = await open(tempDir(), false);
    const samplesDir = join(tempDir(), 'flows');
    mkdirSync(samplesDir);
    copyFileSync(join(import.meta.dirname, '../../resources/flows/abandoned-cart.json'), join(samplesDir, 'b-good.json'));
    writeFileSync(join(samplesDir, 'a-broken.json'), '{"format": "postcard.flow", "schemaVersion": 2');
    writeFileSync(join(samplesDir, 'c-too-new.json'), JSON.stringify({ format: 'postcard.flow', schemaVersion: 99 }));
    const warnings: string[] = [];
    const seeded = seedSamples({ db: postcard.db, flows: postcard.services.flows, samplesDir, warn: (message) => warnings.push(message) });
    expect(seeded).toHaveLength(1);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toContain('a-broken.json');
    expect(warnings.join('\n')).toContain('c-too-new.json');
    expect(seedSamples({ db: postcard.db, flows: postcard.services.flows, samplesDir, warn: (message) => warnings.push(message) })).toEqual([]);
    expect(postcard.services.flows.list()).toHaveLength(1);
    expect(warnings).toHaveLength(2);
  });

  it('does not seed when asked not to', async () => {
    const postcard = await open(tempDir(), false);
    expect(value<FlowSummary[]>(await postcard.dispatch('flows.list', {}))).toEqual([]);
  });
});

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('private files', () => {
  it('creates the data folder 0700 and the database, its WAL and the media under it 0600/0700, whatever the umask', async () => {
    const parent = tempDir();
    const dataDir = join(parent, 'nested', 'Postcard');
    const umask = process.umask(0o022);
    try {
      const postcard = await open(dataDir);
      value(await postcard.dispatch('flows.create', { name: 'Spring sale' }, { transport: 'ipc' }));
      const photo = await fx.photoJpeg(200, 150, 1);
      value(await postcard.dispatch('media.import', { source: 'upload', name: 'p.jpg', dataBase64: photo.toString('base64') }, { transport: 'ipc' }));
    } finally {
      process.umask(umask);
    }
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'postcard.db'))).toBe(0o600);
    expect(modeOf(join(dataDir, 'postcard.db-wal'))).toBe(0o600);
    const media = join(dataDir, 'media');
    const entries = readdirSync(media, { recursive: true, withFileTypes: true });
    expect(entries.filter((e) => e.isFile()).length).toBeGreaterThan(0);
    for (const entry of entries) expect([entry.name, modeOf(join(entry.parentPath, entry.name))]).toEqual([entry.name, entry.isFile() ? 0o600 : 0o700]);
    expect(modeOf(media)).toBe(0o700);
  });

  it('takes group and other access off a database made before', async () => {
    const dataDir = tempDir();
    (await open(dataDir)).close();
    opened.pop();
    chmodSync(join(dataDir, 'postcard.db'), 0o644);
    await open(dataDir);
    expect(modeOf(join(dataDir, 'postcard.db'))).toBe(0o600);
  });
});

describe('data dir', () => {
  it('follows the OS convention and can be overridden', () => {
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/cfg' }, '/home/ann')).toBe('/cfg/Postcard');
    expect(defaultDataDir('linux', {}, '/home/ann')).toBe('/home/ann/.config/Postcard');
    expect(defaultDataDir('darwin', {}, '/Users/ann')).toBe('/Users/ann/Library/Application Support/Postcard');
    expect(defaultDataDir('win32', { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'C:\\Users\\ann')).toMatch(/Roaming[\\/]Postcard$/);
    expect(resolveDataDir('/flag', { POSTCARD_DATA_DIR: '/env' })).toBe('/flag');
    expect(resolveDataDir(undefined, { POSTCARD_DATA_DIR: '/env' })).toBe('/env');
  });
});
