import { PostcardError } from '../../../shared/api/result';
import { targetProfiles } from '../../../shared/media/profiles';
import { countSmsSegments } from '../../../shared/sms/segments';
import type { SqliteDatabase } from '../../db/open';
import { MediaService } from '../../media/service';
import { MediaUploads } from '../../media/uploads';
import type { HandlerContext, HandlerMap } from '../context';

/** One media service per open database, created on first use (as the engine's is). */
const services = new WeakMap<SqliteDatabase, MediaService>();
const uploads = new WeakMap<SqliteDatabase, MediaUploads>();

function uploadsFor(ctx: Pick<HandlerContext, 'sqlite'>): MediaUploads {
  let open = uploads.get(ctx.sqlite);
  if (!open) {
    open = new MediaUploads();
    uploads.set(ctx.sqlite, open);
  }
  return open;
}

export function mediaFor(ctx: Pick<HandlerContext, 'sqlite' | 'db' | 'dataDir' | 'events'>): MediaService {
  let service = services.get(ctx.sqlite);
  if (!service) {
    service = new MediaService({ db: ctx.db, dataDir: ctx.dataDir, events: ctx.events });
    services.set(ctx.sqlite, service);
  }
  return service;
}

export const mediaHandlers = {
  'media.import': async (input, ctx) => {
    if (input.source === 'upload') return mediaFor(ctx).importBase64(input.name, input.dataBase64);
    // A page in a browser must not make the Node side read arbitrary files from this disk.
    if (ctx.transport === 'http') {
      throw new PostcardError('FORBIDDEN', 'Importing by file path works in the desktop app and the CLI only; upload the file instead.');
    }
    return mediaFor(ctx).importFile(input.path);
  },
  'media.uploadStart': async (input, ctx) => uploadsFor(ctx).start(input.name, input.bytes),
  'media.uploadPart': async (input, ctx) => uploadsFor(ctx).part(input.uploadId, input.index, input.dataBase64),
  'media.uploadFinish': async (input, ctx) => {
    const { name, bytes } = uploadsFor(ctx).finish(input.uploadId);
    return mediaFor(ctx).importBytes(bytes, name);
  },
  'media.list': async (input, ctx) => mediaFor(ctx).list(input),
  'media.get': async (input, ctx) => mediaFor(ctx).get(input.id),
  'media.render': async (input, ctx) =>
    mediaFor(ctx).render(input.id, input.profileId, { background: input.background, includeData: input.includeData }),
  'media.delete': async (input, ctx) => mediaFor(ctx).delete(input.id),
  'media.profiles': async () => [...targetProfiles],
  'sms.segments': async (input) => countSmsSegments(input.text),
} satisfies HandlerMap;
