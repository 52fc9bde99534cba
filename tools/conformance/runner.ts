// Runs simulate() in a worker thread with a time budget per call: a call that does not answer
// in time is reported as a hang, the worker is terminated and a fresh one serves the next call.
import { Worker } from "node:worker_threads";
import type { SimulateReply, SimulateRequest } from "./worker.js";

/** simulate() in a worker thread, restarted after a hang. */
export class SimulateRunner {
  private worker?: Worker;
  private seq = 0;
  private pending?: { seq: number; resolve: (r: SimulateReply | "hang") => void; timer: NodeJS.Timeout };

  /** @param module the module exporting simulate() (default: pacer's src/cli/simulate/run.js) */
  constructor(private readonly budgetMs: number, private readonly module?: URL) {}

  private ready?: Promise<void>;

  private start(): Worker {
    const w = new Worker(new URL("./worker.js", import.meta.url), { workerData: { module: this.module?.href } });
    this.ready = new Promise((resolveReady) => {
      const onReady = (m: { ready?: boolean }) => {
        if (m.ready === undefined) return;
        w.off("message", onReady);
        resolveReady();
      };
      w.on("message", onReady);
      w.once("error", () => resolveReady());
    });
    w.on("message", (r: SimulateReply) => {
      const p = this.pending;
      if (!p || r.seq !== p.seq) return;
      clearTimeout(p.timer);
      this.pending = undefined;
      p.resolve(r);
    });
    w.on("error", (err) => {
      const p = this.pending;
      if (!p) return;
      clearTimeout(p.timer);
      this.pending = undefined;
      p.resolve({ seq: p.seq, ok: false, error: `worker crashed: ${err.message}`, ms: 0 });
      this.worker = undefined;
    });
    return w;
  }

  async run(req: Omit<SimulateRequest, "seq">): Promise<SimulateReply | "hang"> {
    const worker = (this.worker ??= this.start());
    // The budget starts once the worker has loaded the scheduler (a load failure surfaces
    // as each case's error).
    await this.ready;
    const seq = ++this.seq;
    return new Promise((resolveRun) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        void worker.terminate();
        this.worker = undefined;
        resolveRun("hang");
      }, this.budgetMs);
      this.pending = { seq, resolve: resolveRun, timer };
      worker.postMessage({ ...req, seq } satisfies SimulateRequest);
    });
  }

  async close(): Promise<void> {
    if (this.worker) await this.worker.terminate();
  }
}
