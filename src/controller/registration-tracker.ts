// The executor API of one guest connection as the router hands it to a dispatcher: every
// call goes straight to the RemoteClient, and the resources registered through it are
// remembered so that the connection's stop can unregister exactly what this controller
// registered (and nothing another client of the same remote executor owns).
import type { ExecutorApi } from "../executor/api.js";
import type { ResourceSpec } from "../executor/agent.js";
import type { ExecRequest, OpResult, RegisterOptions } from "../executor/executor.js";
import type { RemoteClient } from "../remote/client.js";

export class RegistrationTracker implements ExecutorApi {
  private readonly registered = new Set<string>();

  constructor(readonly client: RemoteClient) {}

  async register(spec: ResourceSpec, options?: RegisterOptions): Promise<void> {
    await this.client.register(spec, options);
    this.registered.add(spec.id);
  }

  async unregister(id: string): Promise<{ inProgress: boolean }> {
    const r = await this.client.unregister(id);
    this.registered.delete(id);
    return r;
  }

  info(id: string): Promise<ResourceSpec | undefined> {
    return this.client.info(id);
  }

  exec(req: ExecRequest): Promise<number> {
    return this.client.exec(req);
  }

  cancel(rscId: string, action: string, intervalMs: number): Promise<boolean> {
    return this.client.cancel(rscId, action, intervalMs);
  }

  recurring(rscId?: string) {
    return this.client.recurring(rscId);
  }

  on(event: "result", listener: (r: OpResult) => void): this {
    this.client.on(event, listener);
    return this;
  }

  off(event: "result", listener: (r: OpResult) => void): this {
    this.client.off(event, listener);
    return this;
  }

  /** What this controller registered and has not unregistered. */
  ids(): string[] {
    return [...this.registered];
  }

  /** Unregister everything we registered; failures are returned, not thrown (the connection
   *  is going away either way). */
  async unregisterAll(): Promise<string[]> {
    const problems: string[] = [];
    for (const id of this.ids()) {
      try {
        await this.unregister(id);
      } catch (err) {
        problems.push(`${id}: ${(err as Error).message}`);
      }
    }
    return problems;
  }
}
