// The pre-shared key and the TLS settings built on it. Both sides use Node's TLS (OpenSSL),
// which cannot take keys over 512 bytes: such a key is refused up front with a message that
// says how to make one that works everywhere, instead of failing every handshake later.
import { readFileSync } from "node:fs";
import type { ConnectionOptions, TlsOptions, TLSSocket } from "node:tls";

export const PSK_IDENTITY = "lrmd";
export const MAX_PSK_BYTES = 512;
export const DEFAULT_PORT = 3121;
export const KEY_LOCATIONS = ["/etc/pacemaker/authkey", "/etc/corosync/authkey"];
const CACHE_MS = 60_000;

// TLS 1.2 suites that GnuTLS's NORMAL:+DHE-PSK:+PSK also enables (no ECDHE-PSK there).
// TLS 1.3 uses OpenSSL's default suites; its PSK callback works with the SHA-256 ones.
export const TLS12_PSK_CIPHERS = [
  "PSK-AES256-GCM-SHA384",
  "PSK-AES128-GCM-SHA256",
  "PSK-CHACHA20-POLY1305",
  "DHE-PSK-AES256-GCM-SHA384",
  "DHE-PSK-AES128-GCM-SHA256",
  "DHE-PSK-CHACHA20-POLY1305",
].join(":");

export class AuthKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthKeyError";
  }
}

/** Where the key is looked for: $PCMK_authkey_location, then the standard files. */
export function keyCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return env.PCMK_authkey_location ? [env.PCMK_authkey_location, ...KEY_LOCATIONS] : [...KEY_LOCATIONS];
}

export function oversizeMessage(path: string, size: number): string {
  return (
    `the authentication key ${path} is ${size} bytes, but Node's TLS (OpenSSL) accepts pre-shared keys of at most ${MAX_PSK_BYTES} bytes ` +
    `(Pacemaker's documentation makes 4096-byte keys, which only GnuTLS accepts). ` +
    `Make a key that works with both Pacemaker and pacer with 'pacer authkey generate --file ${path} --force' ` +
    `(256 random bytes, mode 0640) and copy the same file to every cluster node and remote node`
  );
}

/** Reads a key file: the raw bytes, nothing trimmed. Undefined when missing or empty. */
export function readKeyFile(path: string): Buffer | undefined {
  try {
    const key = readFileSync(path);
    return key.length > 0 ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The key as the daemon sees it: found once, re-read at most once a minute so that a key
 * installed or replaced after start-up is picked up (as Pacemaker does).
 */
export class KeyStore {
  private cached?: { key: Buffer; path: string; at: number };

  constructor(private readonly candidates: string[]) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): KeyStore {
    return new KeyStore(keyCandidates(env));
  }

  static fromKey(key: Buffer): KeyStore {
    const s = new KeyStore([]);
    s.cached = { key, path: "(in memory)", at: Infinity };
    return s;
  }

  /** The current key; throws AuthKeyError when there is none or it is too large. */
  load(): { key: Buffer; path: string } {
    const now = Date.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached;
    for (const path of this.candidates) {
      const key = readKeyFile(path);
      if (!key) continue;
      if (key.length > MAX_PSK_BYTES) throw new AuthKeyError(oversizeMessage(path, key.length));
      this.cached = { key, path, at: now };
      return this.cached;
    }
    throw new AuthKeyError(`no authentication key: none of ${this.candidates.join(", ")} is a readable, non-empty file (create one with 'pacer authkey generate')`);
  }
}

export function serverTlsOptions(keyFor: () => Buffer | null): TlsOptions {
  return {
    // Any identity is accepted (Pacemaker clients always say "lrmd"), and no hint is sent.
    pskCallback: (_socket: TLSSocket, _identity: string) => keyFor(),
    ciphers: TLS12_PSK_CIPHERS,
    minVersion: "TLSv1.2",
    maxVersion: "TLSv1.3",
    dhparam: "auto",
    // Pacemaker drops a client that has not finished its handshake 10 s after accept.
    handshakeTimeout: 10_000,
  };
}

export function clientTlsOptions(key: Buffer): ConnectionOptions {
  return {
    pskCallback: () => ({ psk: key, identity: PSK_IDENTITY }),
    ciphers: TLS12_PSK_CIPHERS,
    minVersion: "TLSv1.2",
    maxVersion: "TLSv1.3",
    checkServerIdentity: () => undefined,
  };
}

/** OpenSSL's failures when the two sides hold different keys (TLS 1.3 binder, 1.2 Finished). */
export function isKeyMismatch(err: NodeJS.ErrnoException): boolean {
  return /BINDER_DOES_NOT_VERIFY|BAD_RECORD_MAC|DECRYPT_ERROR|DECRYPTION_FAILED|CIPHER_OPERATION_FAILED|DIGEST_CHECK_FAILED|ILLEGAL_PARAMETER/.test(err.code ?? "") || /binder does not verify|bad record mac|decrypt/i.test(err.message);
}

/** The listening port from PCMK_remote_port; anything but 1..65535 falls back to 3121. */
export function portFromEnv(env: NodeJS.ProcessEnv, warn: (m: string) => void = () => {}): number {
  const v = env.PCMK_remote_port;
  if (v === undefined || v === "") return DEFAULT_PORT;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    warn(`PCMK_remote_port="${v}" is not a port number (1-65535); using ${DEFAULT_PORT}`);
    return DEFAULT_PORT;
  }
  return n;
}
