// Replacing a file so that a crash at any instant leaves either the old or the new
// contents under its name, never a mix: write a temporary sibling, flush it to disk, rename
// it over the target (atomic within a directory), then flush the directory so the rename
// itself survives a power cut.
import { open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

const TEMP_MARK = ".tmp-";
let sequence = 0;

export interface AtomicWriteOptions {
  mode?: number;
  /** Called after the temporary file is durable and before the rename (crash tests use it). */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

export async function writeFileAtomic(path: string, data: string, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = join(dirname(path), `${basename(path)}${TEMP_MARK}${process.pid}-${++sequence}`);
  const file = await open(temp, "wx", options.mode ?? 0o600);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (err) {
    await file.close();
    await rm(temp, { force: true });
    throw err;
  }
  await file.close();
  try {
    await options.beforeRename?.(temp);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dirname(path));
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Temporary files a crashed writer left next to `path`. They are never the current
 * version (the rename did not happen), so they can be removed; returned for the log.
 */
export async function removeStaleTemporaries(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}${TEMP_MARK}`;
  const stale = (await readdir(dir)).filter((name) => name.startsWith(prefix));
  for (const name of stale) await rm(join(dir, name), { force: true });
  return stale;
}
