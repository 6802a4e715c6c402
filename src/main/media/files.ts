import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../privateFiles';

/**
 * Media files under `<dataDir>/media`: originals by content hash, thumbnails and renditions
 * beside them. Every write goes to a temporary file in the same folder and is renamed into
 * place, so a crash leaves either the old file or the new one, never half of one. Folders and
 * files are the user's only (privateFiles.ts).
 */
export class MediaFiles {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'media');
  }

  /** Relative paths, as stored in the database. */
  originalOf(id: string): string {
    return join('originals', id.slice(0, 2), id.slice(2));
  }

  thumbnailOf(id: string): string {
    return join('thumbnails', id.slice(0, 2), `${id.slice(2)}.webp`);
  }

  renditionOf(id: string, targetKey: string, extension: string): string {
    return join('renditions', id.slice(0, 2), `${id.slice(2)}.${targetKey}.${extension}`);
  }

  absolute(relative: string): string {
    return join(this.root, relative);
  }

  async write(relative: string, bytes: Uint8Array): Promise<void> {
    const target = this.absolute(relative);
    await mkdir(dirname(target), { recursive: true, mode: PRIVATE_DIR_MODE });
    const temporary = join(dirname(target), `.${basename(target)}.${randomUUID()}.tmp`);
    try {
      await writeFile(temporary, bytes, { flag: 'wx', mode: PRIVATE_FILE_MODE });
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  read(relative: string): Promise<Buffer> {
    return readFile(this.absolute(relative));
  }

  async readIfPresent(relative: string): Promise<Buffer | null> {
    try {
      return await this.read(relative);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** The original, its thumbnail and every rendition of one asset. */
  async removeAsset(id: string): Promise<void> {
    await rm(this.absolute(this.originalOf(id)), { force: true });
    await rm(this.absolute(this.thumbnailOf(id)), { force: true });
    const folder = this.absolute(join('renditions', id.slice(0, 2)));
    let names: string[] = [];
    try {
      names = await readdir(folder);
    } catch {
      return;
    }
    const prefix = `${id.slice(2)}.`;
    await Promise.all(names.filter((name) => name.startsWith(prefix)).map((name) => rm(join(folder, name), { force: true })));
  }
}
