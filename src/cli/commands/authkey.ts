// `pacer authkey generate`: make the pre-shared key shared by cluster nodes and remote nodes.
// 256 bytes by default: GnuTLS (Pacemaker) and OpenSSL (Node, so pacer) both accept it, unlike
// the 4096-byte keys of Pacemaker's documentation.
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CliError } from "../errors.js";
import { groupId, lookupUser } from "../../executor/accounts.js";
import { MAX_PSK_BYTES } from "../../remote/psk.js";


const USAGE = `usage: pacer authkey generate [--file FILE] [--size BYTES] [--force]

Writes BYTES random bytes (default 256, at most ${MAX_PSK_BYTES}) to FILE (default
$PCMK_authkey_location, else /etc/pacemaker/authkey) with mode 0640, owned by
hacluster:haclient when run as root. Copy the same file to every node and remote node.`;

export const summary = "generate the TLS pre-shared key for remote nodes";

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (sub !== "generate") throw new CliError(`authkey: expected 'generate'${sub ? `, got '${sub}'` : ""}\n${USAGE}`, 2);
  let file = process.env.PCMK_authkey_location || "/etc/pacemaker/authkey";
  let size = 256;
  let force = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--force" || a === "-f") force = true;
    else if (a === "--file") {
      if (rest[i + 1] === undefined) throw new CliError("authkey generate: --file needs a path", 2);
      file = rest[++i];
    } else if (a === "--size") {
      const v = rest[++i];
      if (v === undefined || !/^\d+$/.test(v)) throw new CliError(`authkey generate: --size needs a number of bytes, got '${v ?? ""}'`, 2);
      size = Number(v);
    } else throw new CliError(`authkey generate: unknown option '${a}'\n${USAGE}`, 2);
  }
  if (size < 32 || size > MAX_PSK_BYTES) {
    throw new CliError(`authkey generate: --size ${size} is out of range: use 32 to ${MAX_PSK_BYTES} bytes (Node's TLS refuses pre-shared keys over ${MAX_PSK_BYTES} bytes; short keys are weak)`, 2);
  }
  if (existsSync(file) && !force) throw new CliError(`authkey generate: ${file} already exists; use --force to replace it (then copy it to every node again)`, 1);
  mkdirSync(dirname(file), { recursive: true, mode: 0o750 });
  try {
    writeFileSync(file, randomBytes(size), { mode: 0o640, flag: force ? "w" : "wx" });
    chmodSync(file, 0o640);
  } catch (err) {
    throw new CliError(`authkey generate: cannot write ${file}: ${(err as Error).message}`, 1);
  }
  if (process.getuid?.() === 0) {
    const user = lookupUser("hacluster");
    const gid = groupId("haclient");
    if (user && gid !== undefined) chownSync(file, user.uid, gid);
  }
  process.stdout.write(`wrote a ${size}-byte key to ${file} (mode 0640)\n`);
  return 0;
}
