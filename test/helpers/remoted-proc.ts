// A pacer-remoted program (this checkout's) as a child process on loopback, for tests that
// need a real remote executor they can start late, kill -9, or give another key.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { waitForPort } from "./netns.js";

export const REMOTED_BIN = new URL("../../src/cli/remoted.js", import.meta.url).pathname;

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export class RemotedProcess {
  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
  ) {}

  /** Start pacer-remoted on 127.0.0.1:port with the key in keyFile; resolves once it listens. */
  static async start(port: number, keyFile: string, env: NodeJS.ProcessEnv = {}): Promise<RemotedProcess> {
    const proc = spawn(process.execPath, [REMOTED_BIN], {
      env: { ...process.env, PCMK_authkey_location: keyFile, PCMK_remote_port: String(port), PCMK_remote_address: "127.0.0.1", PCMK_logfile: "none", ...env },
      stdio: "ignore",
    });
    const r = new RemotedProcess(proc, port);
    await waitForPort("127.0.0.1", port, 15_000, "pacer-remoted");
    return r;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** kill -9, and wait until it is gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.alive) return;
    const gone = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill(signal);
    await gone;
  }
}
