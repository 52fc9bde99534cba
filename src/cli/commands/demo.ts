// `pacer demo`: the README's quickstart. As root, on a machine set up by .ci/setup: a
// sandboxed pacerd (own network namespace, temporary state), two namespace guests running
// pacer-remoted with a Dummy in each, configured with the ordinary `pacer` commands (printed
// as they run), the status once everything runs; then it stays in the foreground until
// Ctrl-C / SIGTERM, stops the resources and the guests, pacerd, and removes everything it made.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { CliError } from "../errors.js";
import { loadCib } from "../admin/cib-access.js";
import { statusReport } from "../admin/cluster-state.js";
import { demoCommands, dummyName, guestName, shellWord } from "../sandbox/demo-config.js";
import { PACER_JS, REAL_PACEMAKER_REMOTED, reapOrphans, Sandbox, sandboxUnavailable } from "../sandbox/sandbox.js";
import { containersOf } from "../sandbox/names.js";
import { run as status } from "./status.js";

export const summary = "quickstart (root): pacerd with two namespace guests and a Dummy in each; Ctrl-C cleans up";

const USAGE = `usage: pacer demo [--guests N] [--remoted pacer|pacemaker] [--timeout SEC]

Starts pacerd in a network namespace of its own (state in a temporary directory), adds N
guests (default 2: ocf:pacer:nscontainer containers running pacer-remoted, or the real
pacemaker-remoted 2.1.5 with --remoted pacemaker) and an ocf:pacemaker:Dummy inside each,
waits until they run (at most --timeout, default 120 s), shows \`pacer status\`, and stays
in the foreground. Ctrl-C or SIGTERM stops the resources, the guests and pacerd, and removes
the namespaces, the bridge and the directory. Needs root.`;

interface DemoStatus {
  nodes: { name: string; type: string; online: boolean }[];
  resources: { id: string; role: string; nodes: string[]; failed: boolean }[];
}

const say = (line: string) => process.stdout.write(`demo: ${line}\n`);

function pacer(box: Sandbox, args: string[]): Promise<{ rc: number; out: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [PACER_JS, ...args, "--socket", box.socket], { encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ rc: typeof code === "number" ? code : 1, out: `${stdout}${stderr}`.trim() });
    }),
  );
}

async function currentStatus(box: Sandbox): Promise<DemoStatus> {
  const loaded = await loadCib({ socket: box.socket });
  return statusReport(loaded.root).json as DemoStatus;
}

/** What is still missing before the demo counts as running; empty when everything runs. */
function missing(s: DemoStatus, guests: number, host: string): string[] {
  const out: string[] = [];
  for (let i = 1; i <= guests; i++) {
    const g = guestName(i);
    const ctr = s.resources.find((r) => r.id === `${g}-ctr`);
    if (!(ctr?.role === "Started" && ctr.nodes.includes(host))) out.push(`${g}-ctr not started`);
    if (!s.nodes.some((n) => n.name === g && n.type === "guest" && n.online)) out.push(`${g} not online`);
    const d = s.resources.find((r) => r.id === dummyName(i));
    if (!(d?.role === "Started" && d.nodes.includes(g))) out.push(`${dummyName(i)} not started in ${g}`);
  }
  return out;
}

/** Resolves with the name of the first of these signals to arrive. */
function nextSignal(signals: NodeJS.Signals[]): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let handlers: [NodeJS.Signals, () => void][] = [];
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    handlers = signals.map((s) => [s, () => resolve(s)]);
    for (const [s, h] of handlers) process.on(s, h);
  });
  return { promise, dispose: () => handlers.forEach(([s, h]) => process.off(s, h)) };
}

export async function run(args: string[]): Promise<number> {
  let guests = 2;
  let remoted: "pacer" | "pacemaker" = "pacer";
  let timeoutSec = 120;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new CliError(`demo: ${a} needs a value`, 2);
      return v;
    };
    if (a === "-h" || a === "--help") {
      process.stdout.write(USAGE + "\n");
      return 0;
    } else if (a === "--guests") {
      guests = Number(value());
      if (!Number.isInteger(guests) || guests < 1 || guests > 200) throw new CliError("demo: --guests needs a number from 1 to 200", 2);
    } else if (a === "--remoted") {
      const v = value();
      if (v !== "pacer" && v !== "pacemaker") throw new CliError(`demo: --remoted must be pacer or pacemaker, not '${v}'`, 2);
      remoted = v;
    } else if (a === "--timeout") {
      timeoutSec = Number(value());
      if (!(timeoutSec > 0)) throw new CliError("demo: --timeout needs a positive number of seconds", 2);
    } else throw new CliError(`demo: unexpected argument '${a}'\n${USAGE}`, 2);
  }
  const why = sandboxUnavailable();
  if (why) throw new CliError(`demo: ${why}`, 77);
  if (remoted === "pacemaker" && !existsSync(REAL_PACEMAKER_REMOTED)) {
    throw new CliError(`demo: the real pacemaker-remoted is not at ${REAL_PACEMAKER_REMOTED} (.ci/setup unpacks it there)`, 69);
  }

  // Signals from here on end the demo in order; a second one skips the orderly stop.
  const stopRequest = nextSignal(["SIGINT", "SIGTERM", "SIGHUP"]);
  let interrupted: NodeJS.Signals | undefined;
  void stopRequest.promise.then((s) => (interrupted = s));

  await reapOrphans(say);
  const box = await Sandbox.create({ log: say });
  let exit = 0;
  try {
    await box.startPacerd({ args: ["--stop-resources-on-exit"] });
    const pacerdGone = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (box.pacerdPid === undefined) {
          clearInterval(poll);
          resolve();
        }
      }, 500);
      poll.unref();
    });

    say(`configuring ${guests} guest${guests === 1 ? "" : "s"} with a Dummy in each:`);
    for (const cmd of demoCommands(box, { guests, remoted })) {
      if (interrupted) break;
      process.stdout.write(`  $ pacer ${cmd.map(shellWord).join(" ")}\n`);
      const r = await pacer(box, cmd);
      if (r.out) process.stdout.write(r.out.replace(/^/gm, "    ") + "\n");
      if (r.rc !== 0) throw new CliError(`demo: pacer ${cmd[0]} ${cmd[1]} failed (exit ${r.rc}); pacerd log: ${box.pacerdLog}`, 1);
    }

    if (!interrupted) {
      say(`waiting until the guests and their Dummies run (at most ${timeoutSec} s)...`);
      const t0 = Date.now();
      let last = "";
      let left: string[] = ["(no status yet)"];
      while (!interrupted && box.pacerdPid !== undefined && Date.now() - t0 < timeoutSec * 1000) {
        try {
          left = missing(await currentStatus(box), guests, box.nodeName);
        } catch (err) {
          left = [(err as Error).message];
        }
        if (left.length === 0) break;
        const line = left.join(", ");
        if (line !== last) say(`  ${((Date.now() - t0) / 1000).toFixed(1)} s: ${line}`);
        last = line;
        await Promise.race([new Promise((r) => setTimeout(r, 500)), stopRequest.promise]);
      }
      if (box.pacerdPid === undefined) throw new CliError(`demo: pacerd exited:\n${box.logTail()}`, 1);
      if (!interrupted) {
        if (left.length === 0) say(`everything runs after ${((Date.now() - t0) / 1000).toFixed(1)} s:`);
        else {
          say(`not everything runs after ${timeoutSec} s (${left.join(", ")}); pacerd's log: ${box.pacerdLog}`);
          exit = 1;
        }
        process.stdout.write("\n");
        await status(["--socket", box.socket]);
        process.stdout.write("\n");
        say(`pacerd (pid ${box.pacerdPid}) runs in network namespace ${box.netns}; from another shell:`);
        process.stdout.write(`  PACER_SOCKET=${box.socket} pacer status\n`);
        process.stdout.write(`  nsenter -t $(cut -d' ' -f1 /run/pacer/nscontainer/${box.containerName(guestName(1))}/init) -a sh   # a shell in guest1\n`);
        say("press Ctrl-C to stop the resources and the guests and remove everything");
        await Promise.race([stopRequest.promise, pacerdGone]);
        if (!interrupted) {
          say(`pacerd exited on its own:\n${box.logTail()}`);
          exit = 1;
        }
      }
    }
    stopRequest.dispose();
    if (interrupted) say(`${interrupted}: stopping`);
    await stopEverything(box);
  } catch (err) {
    stopRequest.dispose();
    process.stderr.write(`pacer: ${err instanceof Error ? err.message : String(err)}\n`);
    exit = err instanceof CliError ? err.exitCode : 1;
  } finally {
    const problems = await box.destroy();
    if (problems.length === 0) say(`removed namespace ${box.netns}, bridge ${box.bridge}, containers and ${box.dir}`);
    else {
      say(`could not remove everything:\n${problems.map((p) => `  ${p}`).join("\n")}`);
      exit = exit || 1;
    }
  }
  return exit;
}

/**
 * pacerd runs with --stop-resources-on-exit: SIGTERM makes it stop every resource (Dummies
 * first, then the containers, as the scheduler orders it) before it exits. A second Ctrl-C
 * cuts this short; destroy() then stops whatever is left directly.
 */
async function stopEverything(box: Sandbox): Promise<void> {
  if (box.pacerdPid === undefined) return;
  const hurry = nextSignal(["SIGINT", "SIGTERM", "SIGHUP"]);
  void hurry.promise.then(() => {
    say("stopping pacerd at once (SIGKILL)");
    box.signalPacerd("SIGKILL");
  });
  try {
    say("stopping the resources and pacerd (pacerd --stop-resources-on-exit)...");
    const code = await box.stopPacerd(120_000);
    const left = containersOf(box.tag);
    if (left.length === 0) say(`  all resources stopped; pacerd exited (${code})`);
    else say(`  pacerd exited (${code}) leaving container(s) ${left.join(", ")}: stopping them directly`);
  } finally {
    hurry.dispose();
  }
}
