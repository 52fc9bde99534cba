// Network namespaces for tests: each peer daemon gets its own netns (so its IPC names and
// port clash with nothing) and a private /run and /dev/shm. Every name is unique per run,
// every process is killed by its PID, and destroy() removes what create() made.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, openSync, closeSync } from "node:fs";
import { connect } from "node:net";

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  for (const bin of ["ip", "unshare", "nsenter"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" });
    } catch {
      return `needs the '${bin}' command`;
    }
  }
  return undefined;
}

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A /30 subnet in 10.77.0.0/16 that no interface of the root namespace uses. */
function freeSubnet(): [string, string] {
  const used = ip("-o", "-4", "addr");
  for (let i = 0; i < 100; i++) {
    const b = randomBytes(2);
    const third = b[0];
    const fourth = (b[1] & 0xfc) % 252;
    const net = `10.77.${third}.`;
    if (used.includes(`${net}${fourth + 1}/`) || used.includes(`${net}${fourth + 2}/`)) continue;
    return [`${net}${fourth + 1}`, `${net}${fourth + 2}`];
  }
  throw new Error("no free test subnet in 10.77.0.0/16");
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** File receiving stdout and stderr. */
  logFile?: string;
  /** Directories bind-mounted over others inside the private mount namespace. */
  binds?: [from: string, to: string][];
  /** Private tmpfs /run and /dev/shm (default true). */
  privateRun?: boolean;
  /** Give the process its own UTS namespace with this host name. */
  hostname?: string;
  /** More shell commands run inside the namespaces before the program starts. */
  setup?: string[];
}

export class Netns {
  private readonly procs: ChildProcess[] = [];
  private readonly hostLinks: string[] = [];

  private constructor(readonly name: string) {}

  static create(tag: string): Netns {
    const name = `pcr-${tag}-${randomBytes(3).toString("hex")}`;
    ip("netns", "add", name);
    const ns = new Netns(name);
    ns.exec("ip", ["link", "set", "lo", "up"]);
    return ns;
  }

  /** Run a command inside the namespace and return its stdout. */
  exec(cmd: string, args: string[]): string {
    return execFileSync("ip", ["netns", "exec", this.name, cmd, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  /** A veth pair from the root namespace into this one; returns both addresses. */
  linkToHost(): { hostIp: string; nsIp: string } {
    const [hostIp, nsIp] = freeSubnet();
    const hostIf = `pcr${randomBytes(4).toString("hex")}`;
    ip("link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", this.name);
    this.hostLinks.push(hostIf);
    ip("addr", "add", `${hostIp}/30`, "dev", hostIf);
    ip("link", "set", hostIf, "up");
    this.exec("ip", ["addr", "add", `${nsIp}/30`, "dev", "eth0"]);
    this.exec("ip", ["link", "set", "eth0", "up"]);
    return { hostIp, nsIp };
  }

  /** A veth pair between two namespaces (no route through the root namespace). */
  static link(a: Netns, b: Netns): { aIp: string; bIp: string } {
    const [aIp, bIp] = freeSubnet();
    const tmpA = `pcr${randomBytes(4).toString("hex")}`;
    const tmpB = `pcr${randomBytes(4).toString("hex")}`;
    ip("link", "add", tmpA, "netns", a.name, "type", "veth", "peer", "name", tmpB, "netns", b.name);
    a.exec("ip", ["addr", "add", `${aIp}/30`, "dev", tmpA]);
    a.exec("ip", ["link", "set", tmpA, "up"]);
    b.exec("ip", ["addr", "add", `${bIp}/30`, "dev", tmpB]);
    b.exec("ip", ["link", "set", tmpB, "up"]);
    return { aIp, bIp };
  }

  /** Start a long-running process inside the namespace with a private mount namespace. */
  spawn(cmd: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const setup: string[] = [];
    if (options.privateRun !== false) setup.push("mount -t tmpfs -o mode=1777 tmpfs /dev/shm", "mount -t tmpfs -o mode=755 tmpfs /run", "mkdir -p /run/resource-agents");
    for (const [from, to] of options.binds ?? []) setup.push(`mount --bind '${from}' '${to}'`);
    if (options.hostname) setup.push(`hostname '${options.hostname}'`);
    setup.push(...(options.setup ?? []));
    const script = `set -e; ${setup.join("; ")}${setup.length ? "; " : ""}exec "$@"`;
    const fd = options.logFile ? openSync(options.logFile, "a") : "ignore";
    const unshare = ["unshare", "-m", ...(options.hostname ? ["-u"] : []), "--propagation", "private"];
    const child = spawn("ip", ["netns", "exec", this.name, ...unshare, "sh", "-c", script, "sh", cmd, ...args], {
      env: options.env ?? process.env,
      stdio: ["ignore", fd, fd],
      detached: true,
    });
    if (typeof fd === "number") closeSync(fd);
    this.procs.push(child);
    return child;
  }

  /** Stop every process started here (SIGTERM, then SIGKILL), then delete the namespace. */
  async destroy(): Promise<void> {
    for (const p of this.procs) signalGroup(p, "SIGTERM");
    const deadline = Date.now() + 5000;
    while (this.procs.some((p) => p.exitCode === null && p.signalCode === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) signalGroup(p, "SIGKILL");
    // Anything else still inside (agents a daemon left behind) goes too.
    try {
      const pids = execFileSync("ip", ["netns", "pids", this.name], { encoding: "utf8" }).split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
    } catch {
      // namespace already gone
    }
    for (const l of this.hostLinks) {
      try {
        ip("link", "del", l);
      } catch {
        // removed with the namespace
      }
    }
    try {
      ip("netns", "del", this.name);
    } catch {
      // already deleted
    }
  }
}

function signalGroup(p: ChildProcess, sig: NodeJS.Signals): void {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, sig);
  } catch {
    try {
      p.kill(sig);
    } catch {
      // gone
    }
  }
}

/** Resolves once something accepts TCP connections on host:port. */
export async function waitForPort(host: string, port: number, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`${what} did not accept connections on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const PACEMAKER_REMOTED = new URL("../../../.deps/pacemaker-remote/usr/sbin/pacemaker-remoted", import.meta.url).pathname;
export function pacemakerRemotedSkipReason(): string | undefined {
  return netnsSkipReason() ?? (existsSync(PACEMAKER_REMOTED) ? undefined : `the real pacemaker-remoted is not unpacked at ${PACEMAKER_REMOTED} (run .ci/setup)`);
}
