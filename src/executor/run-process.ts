// Runs one agent invocation as a child process in a process group of its own, so that a
// timeout (or a cancel) can kill everything the agent started, not only the shell script.
import { spawn } from "node:child_process";
import { Spawner } from "./spawner.js";

export interface ProcessOptions {
  env: NodeJS.ProcessEnv;
  /** 0 or less: no limit. */
  timeoutMs: number;
  uid?: number;
  gid?: number;
  cwd?: string;
  /** Bytes kept of each of stdout and stderr; the rest is dropped (agents can be chatty). */
  outputLimit?: number;
}

export interface ProcessResult {
  /** Exit status, or null when the process was killed by a signal or could not start. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the executable could not be started at all (ENOENT, EACCES, ...). */
  spawnError?: NodeJS.ErrnoException;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunningProcess {
  result: Promise<ProcessResult>;
  /** Kill the whole process group now. */
  kill(signal?: NodeJS.Signals): void;
}

const DEFAULT_LIMIT = 1 << 20;
// After the agent exits, helpers it forked may keep its stdout open; wait this long for the
// pipes to drain, then report anyway (the agent's own exit is what counts).
const DRAIN_GRACE_MS = 200;

let launcher: Spawner | undefined | null;

/**
 * Start an agent. Goes through the launcher helper (spawner.ts) when Perl is present, which
 * keeps fork() off our event loop; PACER_AGENT_LAUNCHER=node forces Node's own spawn.
 */
export function runProcess(file: string, args: string[], options: ProcessOptions): RunningProcess {
  if (launcher === undefined) launcher = process.env.PACER_AGENT_LAUNCHER !== "node" && Spawner.available() ? new Spawner() : null;
  return launcher ? launcher.run(file, args, options) : runWithNode(file, args, options);
}

/** Start an agent with Node's child_process directly. */
export function runWithNode(file: string, args: string[], options: ProcessOptions): RunningProcess {
  const started = performance.now();
  const limit = options.outputLimit ?? DEFAULT_LIMIT;
  let child;
  try {
    child = spawn(file, args, {
      env: options.env,
      cwd: options.cwd ?? "/",
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      uid: options.uid,
      gid: options.gid,
    });
  } catch (err) {
    // spawn throws synchronously for some argument errors (e.g. bad uid)
    const e = err as NodeJS.ErrnoException;
    return {
      result: Promise.resolve({ exitCode: null, signal: null, timedOut: false, spawnError: e, stdout: "", stderr: "", durationMs: 0 }),
      kill() {},
    };
  }
  const out: Buffer[] = [];
  const errOut: Buffer[] = [];
  let outLen = 0;
  let errLen = 0;
  child.stdout!.on("data", (b: Buffer) => {
    if (outLen < limit) out.push(b.subarray(0, limit - outLen));
    outLen += b.length;
  });
  child.stderr!.on("data", (b: Buffer) => {
    if (errLen < limit) errOut.push(b.subarray(0, limit - errLen));
    errLen += b.length;
  });

  let timedOut = false;
  let exited = false;
  const killGroup = (signal: NodeJS.Signals) => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  };
  const timer =
    options.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          killGroup("SIGKILL");
        }, options.timeoutMs)
      : undefined;

  const result = new Promise<ProcessResult>((resolve) => {
    let exitCode: number | null = null;
    let signal: NodeJS.Signals | null = null;
    let spawnError: NodeJS.ErrnoException | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      child.stdout!.destroy();
      child.stderr!.destroy();
      resolve({
        exitCode,
        signal,
        timedOut,
        spawnError,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(errOut).toString("utf8"),
        durationMs: performance.now() - started,
      });
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      spawnError = err;
      exited = true;
      finish();
    });
    child.on("exit", (code, sig) => {
      // Whatever the agent left running in its group dies with it once it timed out.
      if (timedOut) killGroup("SIGKILL");
      exited = true;
      exitCode = code;
      signal = sig;
      setTimeout(finish, DRAIN_GRACE_MS).unref();
    });
    child.on("close", () => finish());
  });
  return { result, kill: killGroup };
}
