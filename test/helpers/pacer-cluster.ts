// PacerCluster: the shared end-to-end harness — a real pacerd, in a network namespace of its
// own, driven through the real `pacer` CLI.
//
//   const c = await PacerCluster.start();          // namespace + bridge + dir + authkey + pacerd
//   after(() => c.destroy());                       // always: removes everything, by name
//   await c.addGuest("guest1", 1);                  // ocf:pacer:nscontainer + `pacer guest add`
//   await c.pacerOk("resource", "create", "d1", "ocf:pacemaker:Dummy", "op", "monitor", "interval=2s");
//   await c.pacerOk("constraint", "location", "add", "d1", "guest1", "INFINITY");
//   await c.waitFor((s) => guestOnline(s, "guest1") && runsOn(s, "d1") === "guest1", 60_000, "d1 in guest1");
//   c.box.inGuest("guest1", "cat /run/Dummy-d1.state");   // look inside the guest
//
// What it makes (src/cli/sandbox does the work; `pacer demo` uses the same code):
// - network namespace `pcs<pid36>-<n>` (the "host"; loopback up) with a bridge `br<pid36>-<n>`
//   at 10.213.0.1/16 — guests get 10.213.0.2, .3, ... on it (guestAddress(i));
// - a temp directory: state dir (`stateDir`, the CIB is `cibFile`), API socket, authkey
//   (made by `pacer authkey generate`), pacerd.log (both streams, kept across restarts);
// - pacerd: `nsenter --net=/run/netns/NS node dist/src/cli/pacerd.js --state-dir D --socket S
//   --node-name node1` (not `ip netns exec`: its private mount namespace would hide the guests'
//   network namespaces from a restarted pacerd), environment PCMK_authkey_location=<authkey>; then
//   `pacer property set stonith-enabled=false` (no fencing device on one host; without it
//   nothing starts — `keepStonith: true` skips it).
// Containers are named `<tag>-<guest>` (nscontainer `name` param), so several clusters
// (and other test files) never collide in the host-wide /run/pacer/nscontainer and
// /run/netns. Host-side Dummy resources still write /run/Dummy-<id>.state on the real /run:
// give them `state=${c.hostDummyState(id)}` (in the sandbox's own directory under the host's
// /run, which guests do not see — unlike c.box.dir: a guest probing a Dummy whose state file
// it can see finds it "running" there too).
//
// destroy() kills pacerd by PID (SIGTERM, SIGKILL after a grace time), stops leftover
// containers through their agent, kills whatever is left in the namespaces and deletes them
// and the bridge by name, then removes the directory; it returns what it could not remove.
// Safe half-way through a failed test, and twice. start() first reaps the leftovers of
// clusters whose owner process died (names carry the owner's PID).
//
// waitFor() polls `pacer status --json` (every 300 ms) until a predicate holds; on timeout
// the error carries the last status and the tail of pacerd's log. waitConverged() also
// waits for the transition engine (API op `status`) to be idle after an empty transition.
import { execFile } from "node:child_process";
import { ApiClient } from "../../src/controller/api-client.js";
import { join } from "node:path";
import { PACER_JS, reapOrphans, Sandbox, sandboxUnavailable, type SandboxOptions, type StartOptions } from "../../src/cli/sandbox/sandbox.js";

export { sandboxUnavailable };

/** Why the harness cannot run here (root, tools, build), or false when it can: `{ skip: clusterSkip() }`. */
export function clusterSkip(): string | false {
  return sandboxUnavailable() ?? false;
}

export interface PacerResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/** `pacer status --json`, the parts tests read. */
export interface StatusJson {
  summary: { dc: string | null; quorum: boolean; version: string; nodesConfigured: number; resourceInstances: number };
  nodes: { name: string; id: string; type: "cluster" | "remote" | "guest"; online: boolean; standby: boolean; unclean: boolean; dc: boolean; resources: string[] }[];
  resources: { id: string; kind: string; agent?: string; parent?: string; state: string; role: string; nodes: string[]; failed: boolean; managed: boolean; targetRole?: string }[];
  failedActions: { key: string; resource: string; task: string; node: string; rc: number; rcText: string; status: string; exitReason: string }[];
}

/** The one node a resource runs on, undefined when stopped, throws when on several. */
export function runsOn(s: StatusJson, rsc: string): string | undefined {
  const r = s.resources.find((x) => x.id === rsc);
  if (!r) throw new Error(`status has no resource ${rsc}`);
  if (r.nodes.length > 1) throw new Error(`${rsc} runs on several nodes: ${r.nodes.join(" ")}`);
  return r.role === "Started" || r.role === "Promoted" || r.role === "Unpromoted" ? r.nodes[0] : undefined;
}

/** Guest node NAME is listed and online (GuestOnline in the text output). */
export function guestOnline(s: StatusJson, name: string): boolean {
  return s.nodes.some((n) => n.name === name && n.type === "guest" && n.online);
}

/** The engine's `status` answer, the parts tests read. */
export interface EngineView {
  state: "idle" | "planning" | "running" | "stopped";
  transition?: { id: number; state: string; actions?: number; failed?: number; summary: string[] };
  inFlight: unknown[];
}

export interface ClusterOptions extends SandboxOptions, StartOptions {
  /** Do not start pacerd yet (call startPacerd()). */
  noPacerd?: boolean;
  /**
   * Leave the cluster option stonith-enabled at its default (true). By default start() sets
   * it to false: a single host has no fencing device (guests are "fenced" by recovering
   * their container), and with fencing enabled but no device nothing is ever started.
   */
  keepStonith?: boolean;
}

export interface GuestOptions {
  /** Container command: this checkout's pacer-remoted (default), "pacemaker" (the real 2.1.5), or a command line. */
  command?: "pacer" | "pacemaker" | string;
  /** Container monitor interval (default 10s). */
  monitorInterval?: string;
  /** More `pacer resource create` words (e.g. "meta", "target-role=Stopped"). */
  extra?: string[];
}

export class PacerCluster {
  private constructor(
    readonly box: Sandbox,
    private readonly startOptions: StartOptions,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<PacerCluster> {
    await reapOrphans((l) => process.stderr.write(`pacer-cluster: ${l}\n`));
    const box = await Sandbox.create(options);
    const cluster = new PacerCluster(box, { args: options.args, env: options.env, timeoutMs: options.timeoutMs });
    if (!options.noPacerd) {
      try {
        await cluster.startPacerd();
        if (!options.keepStonith) await cluster.pacerOk("property", "set", "stonith-enabled=false");
      } catch (err) {
        await box.destroy();
        throw err;
      }
    }
    return cluster;
  }

  get cibFile(): string {
    return join(this.box.stateDir, "cib", "cib.xml");
  }

  get nodeName(): string {
    return this.box.nodeName;
  }

  /** Start (or restart after stopPacerd) pacerd with the options given to start(). */
  startPacerd(options: StartOptions = this.startOptions): Promise<number> {
    return this.box.startPacerd(options);
  }

  stopPacerd(timeoutMs?: number): Promise<number | null> {
    return this.box.stopPacerd(timeoutMs);
  }

  /** A state file for a Dummy on the host: under the sandbox's /run directory, invisible to guests. */
  hostDummyState(rsc: string): string {
    return join(this.box.runDir, `Dummy-${rsc}.state`);
  }

  /** Run `pacer ARGS --socket S` (never throws; 60 s bound). */
  pacer(...args: string[]): Promise<PacerResult> {
    return new Promise((resolve) => {
      execFile(process.execPath, [PACER_JS, ...args, "--socket", this.box.socket], { encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ rc: typeof code === "number" ? code : -1, stdout, stderr: err && typeof code !== "number" ? `${stderr}${err.message}` : stderr });
      });
    });
  }

  /** `pacer ARGS`, throwing with its stderr unless it exits 0; resolves with stdout. */
  async pacerOk(...args: string[]): Promise<string> {
    const r = await this.pacer(...args);
    if (r.rc !== 0) throw new Error(`pacer ${args.join(" ")} exited ${r.rc}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  async status(): Promise<StatusJson> {
    const r = await this.pacer("status", "--json");
    if (r.rc !== 0) throw new Error(`pacer status --json exited ${r.rc}: ${r.stdout.trim()} ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as StatusJson;
  }

  /** Poll `pacer status --json` until pred holds; resolves with that status. */
  async waitFor(pred: (s: StatusJson) => boolean, timeoutMs: number, what = "the expected status"): Promise<StatusJson> {
    const deadline = Date.now() + timeoutMs;
    let last: StatusJson | undefined;
    let lastError = "";
    for (;;) {
      try {
        last = await this.status();
        if (pred(last)) return last;
      } catch (err) {
        lastError = (err as Error).message;
      }
      if (Date.now() > deadline) {
        const text = await this.pacer("status");
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- pacer status:\n${text.stdout || text.stderr || lastError}\n--- pacerd log (tail):\n${this.box.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** The transition engine's own view (API op `status`): idle/running, the last transition. */
  async engine(): Promise<EngineView> {
    const client = new ApiClient(this.box.socket);
    try {
      return await client.call<EngineView>("status");
    } finally {
      client.close();
    }
  }

  /**
   * waitFor(pred), then until the engine is idle after a transition that had nothing left
   * to do (the cluster converged: what `crm_simulate -S` on the CIB should also find).
   */
  async waitConverged(pred: (s: StatusJson) => boolean, timeoutMs: number, what = "convergence"): Promise<StatusJson> {
    const deadline = Date.now() + timeoutMs;
    let status = await this.waitFor(pred, timeoutMs, what);
    let engine: EngineView | undefined;
    for (;;) {
      engine = await this.engine();
      if (engine.state === "idle" && engine.transition && engine.transition.state === "complete" && (engine.transition.actions ?? 0) === 0) {
        status = await this.status();
        if (pred(status)) return status;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: the engine did not settle: ${JSON.stringify(engine)}\n--- pacerd log (tail):\n${this.box.logTail()}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /**
   * Guest node NAME (number i: its address) in an ocf:pacer:nscontainer resource
   * `NAME-ctr`, made with `pacer resource create --disabled`, `pacer guest add`, `pacer
   * resource enable`.
   */
  async addGuest(name: string, i: number, options: GuestOptions = {}): Promise<{ container: string; address: string }> {
    const container = `${name}-ctr`;
    const params = Object.entries(this.box.containerParams(name, i, options.command)).map(([k, v]) => `${k}=${v}`);
    // Created disabled: until `guest add` marks it as a guest's container it is a plain
    // resource, which the scheduler may place inside another guest (Pacemaker does too).
    await this.pacerOk("resource", "create", container, "ocf:pacer:nscontainer", ...params, "op", "monitor", `interval=${options.monitorInterval ?? "10s"}`, "--disabled", ...(options.extra ?? []));
    const address = this.box.guestAddress(i);
    await this.pacerOk("guest", "add", name, "--container", container, "--addr", address);
    await this.pacerOk("resource", "enable", container);
    return { container, address };
  }

  /** Stop everything and remove every trace; returns what could not be removed. */
  destroy(): Promise<string[]> {
    return this.box.destroy();
  }
}
