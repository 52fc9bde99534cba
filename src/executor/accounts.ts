// Local accounts the cluster runs as: agents and alerts as the `hacluster` user, keys and
// sockets readable by the `haclient` group. Read from the files, not NSS: these accounts
// are local by definition, and Node has no getpwnam.
import { readFileSync } from "node:fs";

/** Fields of the line whose first field is NAME in a colon-separated database, or undefined. */
function entry(file: string, name: string): string[] | undefined {
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const f = line.split(":");
      if (f[0] === name) return f;
    }
  } catch {
    // no such database: callers fall back to running as themselves / root-only modes
  }
  return undefined;
}

/** uid/gid of a local user from /etc/passwd, or undefined. */
export function lookupUser(name: string): { uid: number; gid: number } | undefined {
  const f = entry("/etc/passwd", name);
  return f && f.length >= 4 ? { uid: Number(f[2]), gid: Number(f[3]) } : undefined;
}

/** gid of a local group from /etc/group, or undefined. */
export function groupId(name: string): number | undefined {
  const f = entry("/etc/group", name);
  return f && f.length >= 3 ? Number(f[2]) : undefined;
}
