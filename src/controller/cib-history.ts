// Earlier CIB versions kept beside the live file as cib-N.raw (N grows by one per backup),
// so a bad configuration change can be inspected or rolled back by hand. A backup is a hard
// link to the file being replaced: no copy, and it appears only once the new file is safe.
import { link, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

const BACKUP = /^cib-(\d+)\.raw$/;

export interface Backup {
  sequence: number;
  path: string;
}

/** Backups in the directory, newest first. */
export async function listBackups(dir: string): Promise<Backup[]> {
  const backups: Backup[] = [];
  for (const name of await readdir(dir)) {
    const m = BACKUP.exec(name);
    if (m) backups.push({ sequence: Number(m[1]), path: join(dir, name) });
  }
  return backups.sort((a, b) => b.sequence - a.sequence);
}

/** Keep `current` as the next backup, then drop all but the newest `keep` backups. */
export async function backUp(dir: string, current: string, keep: number): Promise<Backup> {
  const existing = await listBackups(dir);
  const sequence = (existing[0]?.sequence ?? 0) + 1;
  const backup = { sequence, path: join(dir, `cib-${sequence}.raw`) };
  await link(current, backup.path);
  for (const old of [backup, ...existing].slice(Math.max(keep, 0))) await rm(old.path, { force: true });
  return backup;
}
