// A throwaway single-host cluster: pacerd running inside a network namespace of its own,
// with a bridge for namespace guests, a temporary state directory and authkey. `pacer demo`
// and the end-to-end tests (test/helpers/pacer-cluster.ts) are built on it.
//
// Everything it creates is named after its tag (see names.ts), so destroy() — and, for an
// owner that died, reapOrphans() — can find and remove it by name: pacerd by PID, the
// containers through their agent, then the namespaces, the bridge and the directory.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiClient } from "../../controller/api-client.js";
import type { PingResult } from "../../controller/api-protocol.js";
import { alive, bridgeName, containerName, containerNetnsOf, containersOf, hostNetns, newTag, NETNS_ROOT, orphanedTags, SANDBOX_RUN_ROOT } from "./names.js";

/** The checkout (or package) root: dist/src/cli/sandbox/ is four levels down. */
export const PACER_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
export const PACERD_JS = join(PACER_ROOT, "dist", "src", "cli", "pacerd.js");
export const PACER_JS = join(PACER_ROOT, "dist", "src", "cli", "main.js");
export const REMOTED_JS = join(PACER_ROOT, "dist", "src", "cli", "remoted.js");
export const NSCONTAINER_AGENT = join(PACER_ROOT, "agents", "ocf", "pacer", "nscontainer");
export const REAL_PACEMAKER_REMOTED = join(PACER_ROOT, ".deps", "pacemaker-remote", "usr", "sbin", "pacemaker-remoted");

export interface SandboxOptions {
  /** The cluster node's name (pacerd --node-name). Default "node1". */
  nodeName?: string;
  /** First two octets of the guests' /16 on the bridge. Default "10.213". */
  subnet?: string;
  /** Where the sandbox directory goes. Default: the system's temp directory. */
  parentDir?: string;
  log?: (line: string) => void;
}

export interface StartOptions {
  /** More pacerd arguments (e.g. --stop-resources-on-exit). */
  args?: string[];
  /** Added to pacerd's environment. */
  env?: Record<string, string>;
  /** How long to wait for its API to answer. Default 20 s. */
  timeoutMs?: number;
}

/** Why a sandbox cannot be made on this machine, or undefined when it can. */
export function sandboxUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces, bridges)";
  for (const tool of ["ip", "ss", "unshare", "nsenter", "flock"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `needs the '${tool}' command (iproute2, util-linux)`;
    }
  }
  if (!existsSync(PACERD_JS)) return `${PACERD_JS} is not built (npm run build)`;
  return undefined;
}

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Sandbox {
  readonly netns: string;
  readonly bridge: string;
  /** The host's address on the bridge, with prefix. */
  readonly bridgeAddress: string;
  readonly stateDir: string;
  readonly socket: string;
  readonly authkey: string;
  /**
   * A directory in the host's /run for this sandbox: what host resources keep there (a
   * Dummy's state=) is invisible inside the guests, which have a /run of their own — unlike
   * anything under `dir`, which guests see (they share the host's file system).
   */
  readonly runDir: string;
  /** pacerd's stdout and stderr, appended across restarts. */
  readonly pacerdLog: string;
  readonly nodeName: string;
  private pacerd?: ChildProcess;
  private readonly log: (line: string) => void;

  private constructor(
    readonly tag: string,
    readonly dir: string,
    private readonly subnet: string,
    options: SandboxOptions,
  ) {
    this.netns = hostNetns(tag);
    this.bridge = bridgeName(tag);
    this.bridgeAddress = `${subnet}.0.1/16`;
    this.stateDir = join(dir, "state");
    this.socket = join(dir, "pacerd.sock");
    this.authkey = join(dir, "authkey");
    this.pacerdLog = join(dir, "pacerd.log");
    this.runDir = join(SANDBOX_RUN_ROOT, tag);
    this.nodeName = options.nodeName ?? "node1";
    this.log = options.log ?? (() => {});
  }

  /** Namespace (loopback up), bridge with the host's address, directory, authkey. */
  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const why = sandboxUnavailable();
    if (why) throw new Error(`cannot make a sandbox: ${why}`);
    const subnet = options.subnet ?? "10.213";
    if (!/^\d{1,3}\.\d{1,3}$/.test(subnet)) throw new Error(`subnet '${subnet}' should be two octets such as 10.213`);
    const tag = newTag();
    const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), `pacer-${tag}-`));
    const box = new Sandbox(tag, dir, subnet, options);
    try {
      mkdirSync(box.runDir, { recursive: true, mode: 0o755 });
      ip("netns", "add", box.netns);
      ip("-n", box.netns, "link", "set", "lo", "up");
      ip("-n", box.netns, "link", "add", box.bridge, "type", "bridge");
      ip("-n", box.netns, "addr", "add", box.bridgeAddress, "dev", box.bridge);
      ip("-n", box.netns, "link", "set", box.bridge, "up");
      execFileSync(process.execPath, [PACER_JS, "authkey", "generate", "--file", box.authkey], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      await box.destroy();
      throw err;
    }
    box.log(`sandbox ${tag}: network namespace ${box.netns}, bridge ${box.bridge} (${box.bridgeAddress}), directory ${dir}`);
    return box;
  }

  /** Guest number i's address on the bridge (i from 1; without prefix). */
  guestAddress(i: number): string {
    if (!(i >= 1 && i <= 250 * 254)) throw new Error(`guest number ${i} out of range`);
    return `${this.subnet}.${Math.floor((i - 1) / 250) + 1}.${((i - 1) % 250) + 2}`;
  }

  /** The nscontainer `name` of a guest: unique host-wide, found again by destroy(). */
  containerName(guest: string): string {
    return containerName(this.tag, guest);
  }

  /**
   * Instance attributes of an ocf:pacer:nscontainer resource for guest number i. `command`
   * defaults to this checkout's pacer-remoted; "pacemaker" picks the real
   * pacemaker-remoted 2.1.5 unpacked by .ci/setup.
   */
  containerParams(guest: string, i: number, command: "pacer" | "pacemaker" | string = "pacer"): Record<string, string> {
    const cmd = command === "pacer" ? `${process.execPath} ${REMOTED_JS}` : command === "pacemaker" ? REAL_PACEMAKER_REMOTED : command;
    return { name: this.containerName(guest), address: `${this.guestAddress(i)}/16`, bridge: this.bridge, bridge_address: this.bridgeAddress, authkey: this.authkey, command: cmd };
  }

  /** The container's first process (its PID namespace's init), if it runs. */
  containerInitPid(guest: string): number | undefined {
    try {
      const [pid] = readFileSync(`/run/pacer/nscontainer/${this.containerName(guest)}/init`, "utf8").split(" ");
      return alive(Number(pid)) ? Number(pid) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Run a shell script inside a guest's namespaces (mount, PID, network...). */
  inGuest(guest: string, script: string): string {
    const pid = this.containerInitPid(guest);
    if (pid === undefined) throw new Error(`guest ${guest}: its container ${this.containerName(guest)} is not running`);
    return execFileSync("nsenter", ["-t", String(pid), "-a", "sh", "-c", script], { encoding: "utf8", timeout: 20_000 });
  }

  /** Run a command in the sandbox's host namespace. */
  inHost(cmd: string, args: string[]): string {
    return execFileSync("nsenter", [`--net=${join(NETNS_ROOT, this.netns)}`, cmd, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  get pacerdPid(): number | undefined {
    const p = this.pacerd;
    return p && p.exitCode === null && p.signalCode === null ? p.pid : undefined;
  }

  /** Start pacerd inside the namespace; resolves with its PID once its API answers. */
  async startPacerd(options: StartOptions = {}): Promise<number> {
    if (this.pacerdPid !== undefined) throw new Error(`pacerd already runs (pid ${this.pacerdPid})`);
    const fd = openSync(this.pacerdLog, "a");
    // nsenter --net, not `ip netns exec`: the latter also gives pacerd a mount namespace of
    // its own, and then the network namespaces ocf:pacer:nscontainer creates for its guests
    // (`ip netns add`, a bind mount under /run/netns) exist only in there — a restarted
    // pacerd, or anyone else, would find empty files instead and take the guests for
    // half-dead. nsenter execs the program: the child's PID is pacerd's. Its own process
    // group, so a terminal's Ctrl-C reaches the sandbox's owner, which stops pacerd in order.
    const child = spawn("nsenter", [`--net=${join(NETNS_ROOT, this.netns)}`, process.execPath, PACERD_JS, "--state-dir", this.stateDir, "--socket", this.socket, "--node-name", this.nodeName, ...(options.args ?? [])], {
      env: { ...process.env, PCMK_authkey_location: this.authkey, ...options.env },
      stdio: ["ignore", fd, fd],
      detached: true,
    });
    closeSync(fd);
    this.pacerd = child;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`pacerd exited (${child.exitCode ?? child.signalCode}) during start:\n${this.logTail()}`);
      const client = new ApiClient(this.socket);
      try {
        const ping = await client.call<PingResult>("ping");
        if (ping.pid === child.pid) break;
      } catch {
        // not listening yet
      } finally {
        client.close();
      }
      if (Date.now() > deadline) {
        this.signalPacerd("SIGKILL");
        throw new Error(`pacerd did not answer on ${this.socket} within ${options.timeoutMs ?? 20_000} ms:\n${this.logTail()}`);
      }
      await Promise.race([sleep(100), exited]);
    }
    this.log(`pacerd runs as pid ${child.pid} in ${this.netns} (log ${this.pacerdLog})`);
    return child.pid!;
  }

  /** Send pacerd a signal (by PID); false when it does not run. */
  signalPacerd(signal: NodeJS.Signals): boolean {
    const pid = this.pacerdPid;
    if (pid === undefined) return false;
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM pacerd and wait for it; SIGKILL after timeoutMs. Resolves with its exit code. */
  async stopPacerd(timeoutMs = 30_000): Promise<number | null> {
    const child = this.pacerd;
    if (!child || this.pacerdPid === undefined) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    this.signalPacerd("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
    clearTimeout(timer);
    if (late) {
      this.log(`pacerd did not stop within ${timeoutMs} ms: SIGKILL`);
      this.signalPacerd("SIGKILL");
    }
    return exited;
  }

  /** The end of pacerd's log, for error messages. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.pacerdLog, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no pacerd log)";
    }
  }

  /**
   * Remove everything: pacerd (SIGTERM, then SIGKILL), containers left running (through
   * their agent), processes still in the namespaces, the namespaces, the bridge, the
   * directory. Safe to call at any point, also twice. Returns what could not be removed.
   */
  async destroy(options: { pacerdTimeoutMs?: number; keepDir?: boolean } = {}): Promise<string[]> {
    if (this.pacerdPid !== undefined) await this.stopPacerd(options.pacerdTimeoutMs ?? 15_000);
    const problems = await removeLeftovers(this.tag, this.netns, this.bridge);
    if (!options.keepDir) rmSync(this.dir, { recursive: true, force: true });
    for (const p of problems) this.log(`cleanup: ${p}`);
    return problems;
  }
}

function runAgentStop(container: string, netns: string | undefined): Promise<string | undefined> {
  const env = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: container, OCF_RESKEY_name: container, OCF_RESKEY_CRM_meta_timeout: "30000" };
  // The host end of its veth lives in the sandbox's namespace: stop it from there.
  const [cmd, args] = netns ? ["nsenter", [`--net=${join(NETNS_ROOT, netns)}`, NSCONTAINER_AGENT, "stop"]] : [NSCONTAINER_AGENT, ["stop"]];
  return new Promise((resolve) =>
    execFile(cmd, args as string[], { env, timeout: 45_000 }, (err, _out, stderr) => resolve(err ? `stopping container ${container} failed: ${stderr.trim() || err.message}` : undefined)),
  );
}

function killNetnsProcesses(netns: string): void {
  let pids: string[] = [];
  try {
    pids = ip("netns", "pids", netns).split(/\s+/).filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
}

async function removeLeftovers(tag: string, netns: string, bridge: string): Promise<string[]> {
  const problems: string[] = [];
  const hostNs = existsSync(join(NETNS_ROOT, netns)) ? netns : undefined;
  // A pacerd whose owner died would restart the containers we are about to stop.
  if (hostNs) killNetnsProcesses(hostNs);
  for (const c of containersOf(tag)) {
    const p = await runAgentStop(c, hostNs);
    if (p) problems.push(p);
  }
  for (const ns of containerNetnsOf(tag)) {
    killNetnsProcesses(ns);
    try {
      ip("netns", "del", ns);
    } catch (err) {
      problems.push(`network namespace ${ns}: ${(err as Error).message.trim()}`);
    }
  }
  if (hostNs) {
    killNetnsProcesses(hostNs);
    try {
      ip("-n", hostNs, "link", "del", bridge);
    } catch {
      // not there (never made, or already removed)
    }
    // Kernel-side cleanup of a namespace whose last process just died can lag a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        ip("netns", "del", hostNs);
        break;
      } catch (err) {
        if (attempt >= 10) {
          problems.push(`network namespace ${hostNs}: ${(err as Error).message.trim()}`);
          break;
        }
        await sleep(100);
      }
    }
  }
  rmSync(join(SANDBOX_RUN_ROOT, tag), { recursive: true, force: true });
  return problems;
}

/** Remove what sandboxes of dead owners left behind (their namespaces, containers, dirs). */
export async function reapOrphans(log: (line: string) => void = () => {}): Promise<void> {
  for (const tag of orphanedTags()) {
    log(`removing the leftovers of sandbox ${tag} (its owner is gone)`);
    for (const p of await removeLeftovers(tag, hostNetns(tag), bridgeName(tag))) log(`  ${p}`);
    for (const entry of readdirSync(tmpdir())) if (entry.startsWith(`pacer-${tag}-`)) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
}
