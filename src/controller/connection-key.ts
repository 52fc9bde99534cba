// The pre-shared key a connection start uses. It is read at every connection attempt (no
// cache), so a key rotated on disk takes effect at the next connect — the moment an
// administrator expects it to, when they restart a guest after changing its key.
import { keyCandidates, MAX_PSK_BYTES, oversizeMessage, readKeyFile } from "../remote/psk.js";

export interface LoadedKey {
  key: Buffer;
  path: string;
}

export class ConnectionKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectionKeyError";
  }
}

/**
 * The daemon's `authkeyPath` when given (only that file); otherwise $PCMK_authkey_location,
 * /etc/pacemaker/authkey, /etc/corosync/authkey, as Pacemaker looks them up.
 */
export function loadConnectionKey(authkeyPath: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedKey {
  const candidates = authkeyPath !== undefined ? [authkeyPath] : keyCandidates(env);
  for (const path of candidates) {
    const key = readKeyFile(path);
    if (!key) continue;
    if (key.length > MAX_PSK_BYTES) throw new ConnectionKeyError(oversizeMessage(path, key.length));
    return { key, path };
  }
  throw new ConnectionKeyError(
    `no authentication key: ${candidates.length === 1 ? `${candidates[0]} is not` : `none of ${candidates.join(", ")} is`} a readable, non-empty file (create one with 'pacer authkey generate' and copy it into every guest)`,
  );
}
