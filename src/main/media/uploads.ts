import { randomBytes } from 'node:crypto';
import { PostcardError } from '../../shared/api/result';

interface Upload {
  name: string;
  bytes: number;
  parts: Buffer[];
  received: number;
  touchedAt: number;
}

/** An upload nobody has added to for this long is dropped (a closed tab, a lost connection). */
const IDLE_MS = 10 * 60_000;
/** Uploads in progress at once, and their bytes together: a browser tab cannot fill the memory. */
const MAX_OPEN_UPLOADS = 8;
const MAX_OPEN_BYTES = 400_000_000;

/**
 * Files too large for one API call arrive in parts (media.uploadStart / uploadPart /
 * uploadFinish), held in memory until the last one: the import reads a whole file anyway, and
 * nothing half-sent ever reaches the disk. Parts must come in order and may not exceed the size
 * declared at the start.
 */
export class MediaUploads {
  private readonly open = new Map<string, Upload>();

  constructor(private readonly now: () => number = Date.now) {}

  start(name: string, bytes: number): { uploadId: string } {
    this.dropIdle();
    const pending = [...this.open.values()].reduce((sum, upload) => sum + upload.bytes, 0);
    if (this.open.size >= MAX_OPEN_UPLOADS || pending + bytes > MAX_OPEN_BYTES) {
      throw new PostcardError('UNAVAILABLE', 'Too many uploads are in progress; wait for them to finish and try again.');
    }
    const uploadId = randomBytes(16).toString('hex');
    this.open.set(uploadId, { name, bytes, parts: [], received: 0, touchedAt: this.now() });
    return { uploadId };
  }

  part(uploadId: string, index: number, dataBase64: string): { receivedBytes: number } {
    const upload = this.require(uploadId);
    if (index !== upload.parts.length) {
      throw new PostcardError('INVALID_INPUT', `Part ${index} of "${upload.name}" arrived, but part ${upload.parts.length} comes next.`);
    }
    const data = Buffer.from(dataBase64, 'base64');
    if (upload.received + data.length > upload.bytes) {
      this.open.delete(uploadId);
      throw new PostcardError('INVALID_INPUT', `"${upload.name}" is longer than the ${upload.bytes} bytes announced; the upload was dropped.`);
    }
    upload.parts.push(data);
    upload.received += data.length;
    upload.touchedAt = this.now();
    return { receivedBytes: upload.received };
  }

  /** The whole file, once every byte announced has arrived; the upload is gone after this. */
  finish(uploadId: string): { name: string; bytes: Buffer } {
    const upload = this.require(uploadId);
    if (upload.received !== upload.bytes) {
      throw new PostcardError('INVALID_INPUT', `"${upload.name}" is incomplete: ${upload.received} of ${upload.bytes} bytes arrived.`);
    }
    this.open.delete(uploadId);
    return { name: upload.name, bytes: Buffer.concat(upload.parts, upload.bytes) };
  }

  private require(uploadId: string): Upload {
    this.dropIdle();
    const upload = this.open.get(uploadId);
    if (!upload) throw new PostcardError('NOT_FOUND', 'No such upload: it finished, failed, or waited too long for its next part. Start it again.');
    return upload;
  }

  private dropIdle(): void {
    const now = this.now();
    for (const [id, upload] of this.open) if (now - upload.touchedAt > IDLE_MS) this.open.delete(id);
  }
}
