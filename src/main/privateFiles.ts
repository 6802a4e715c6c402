import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/**
 * The data folder holds contacts' phone numbers and everything they did: it, the database and
 * the media under it are for the user's own account only (0700 folders, 0600 files), whatever
 * the process umask. Windows ignores these modes; there the profile folder's ACL applies.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export function makePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Creates `file` readable by its owner only, or takes the group and other bits off one made
 * before (SQLite creates its -wal and -shm files with the database file's mode, so they follow).
 */
export function makePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, PRIVATE_FILE_MODE);
}
