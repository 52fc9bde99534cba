// One store per state directory: two daemons writing the same CIB would each bump versions
// from their own copy and silently lose the other's changes. The lock is a file holding the
// owner's pid; a lock whose owner is gone (a crash) is taken over.
import { open, readFile, rm } from "node:fs/promises";

export class StateLockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`${path}: the state directory is in use by process ${pid}`);
    this.name = "StateLockedError";
  }
}

export interface StateLock {
  release(): Promise<void>;
}

export async function acquireStateLock(path: string): Promise<StateLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new StateLockedError(path, pid);
    if (pid === process.pid) throw new StateLockedError(path, pid);
    await rm(path, { force: true });
  }
  throw new Error(`${path}: could not take the state lock`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
