// Names of everything a sandbox creates outside its own directory. They all carry the
// sandbox's tag, and the tag carries the owner's PID: whatever a killed test or demo left
// behind can be found by name and removed once its owner is gone.
import { readdirSync } from "node:fs";

/** Where ocf:pacer:nscontainer keeps one directory per container (host-wide). */
export const NSCONTAINER_STATE_ROOT = "/run/pacer/nscontainer";
/** Per-sandbox directories under the host's /run (guests have their own /run: they cannot see these). */
export const SANDBOX_RUN_ROOT = "/run/pacer/sandbox";
/** Where `ip netns` keeps named network namespaces (host-wide). */
export const NETNS_ROOT = "/run/netns";

const TAG = /^pcs([0-9a-z]+)-(\d+)$/;
let counter = 0;

/** A fresh tag for this process: `pcs<pid base 36>-<n>`. */
export function newTag(pid = process.pid): string {
  return `pcs${pid.toString(36)}-${++counter}`;
}

/** The owner PID a tag names, or undefined when `name` is not a sandbox tag. */
export function ownerOf(tag: string): number | undefined {
  const m = TAG.exec(tag);
  return m ? parseInt(m[1], 36) : undefined;
}

/** The sandbox's "host" network namespace. */
export const hostNetns = (tag: string) => tag;
/** The guests' bridge inside the host namespace (≤ 15 bytes: the tag's PID and number). */
export const bridgeName = (tag: string) => `br${tag.slice(3)}`.slice(0, 15);
/** The container name (nscontainer `name` parameter) of a guest. */
export const containerName = (tag: string, guest: string) => `${tag}-${guest}`;
/** The network namespace ocf:pacer:nscontainer makes for a container. */
export const containerNetns = (container: string) => `pacer-${container}`;

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Containers of this sandbox that the agent still has state for. */
export function containersOf(tag: string): string[] {
  return list(NSCONTAINER_STATE_ROOT).filter((n) => n.startsWith(`${tag}-`));
}

/** Network namespaces of this sandbox's containers still present. */
export function containerNetnsOf(tag: string): string[] {
  return list(NETNS_ROOT).filter((n) => n.startsWith(`pacer-${tag}-`));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Tags of sandboxes whose owner process is gone but whose namespaces or containers remain. */
export function orphanedTags(): string[] {
  const tags = new Set<string>();
  for (const n of list(NETNS_ROOT)) {
    const t = /^(?:pacer-)?(pcs[0-9a-z]+-\d+)(?:-|$)/.exec(n);
    if (t) tags.add(t[1]);
  }
  for (const n of list(NSCONTAINER_STATE_ROOT)) {
    const t = /^(pcs[0-9a-z]+-\d+)-/.exec(n);
    if (t) tags.add(t[1]);
  }
  for (const n of list(SANDBOX_RUN_ROOT)) if (ownerOf(n) !== undefined) tags.add(n);
  return [...tags].filter((t) => {
    const owner = ownerOf(t);
    return owner !== undefined && owner !== process.pid && !alive(owner);
  });
}
