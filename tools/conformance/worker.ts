// Runs `simulate()` for the conformance runner in a worker thread, so that a case that hangs
// can be stopped (the main thread terminates the worker and starts a new one) while every
// case still runs in one process.
import { parentPort, workerData } from "node:worker_threads";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface SimulateRequest {
  seq: number;
  name: string;
  xmlText: string;
  now?: number;
  wantScores?: boolean;
}

export type SimulateReply =
  | { seq: number; ok: true; summary: string; graphXml: string; scores?: string; ms: number }
  | { seq: number; ok: false; error: string; ms: number };

type SimulateFn = (xmlText: string, opts: { fileName?: string; now?: number; wantScores?: boolean }) =>
  { summary: string; graphXml: string; scores?: string } | Promise<{ summary: string; graphXml: string; scores?: string }>;

/** Where the scheduler's simulate() lives, relative to this compiled file. */
export const SIMULATE_MODULE = new URL("../../src/cli/simulate/run.js", import.meta.url);

export function simulateAvailable(): boolean {
  return existsSync(fileURLToPath(SIMULATE_MODULE));
}

if (parentPort) {
  const port = parentPort;
  // Load the scheduler before the first case, so module loading is not counted as its time.
  const href = (workerData as { module?: string } | undefined)?.module ?? SIMULATE_MODULE.href;
  const loaded: Promise<SimulateFn> = import(href).then((mod: { simulate?: SimulateFn }) => {
    if (typeof mod.simulate !== "function") throw new Error(`${href} exports no simulate()`);
    return mod.simulate;
  });
  loaded.then(
    () => port.postMessage({ ready: true }),
    (err: unknown) => port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) }),
  );
  port.on("message", async (req: SimulateRequest) => {
    const t0 = performance.now();
    try {
      const simulate = await loaded;
      const r = await simulate(req.xmlText, { fileName: `${req.name}.xml`, now: req.now, wantScores: req.wantScores });
      port.postMessage({ seq: req.seq, ok: true, summary: r.summary, graphXml: r.graphXml, scores: r.scores, ms: performance.now() - t0 } satisfies SimulateReply);
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      port.postMessage({ seq: req.seq, ok: false, error, ms: performance.now() - t0 } satisfies SimulateReply);
    }
  });
}
