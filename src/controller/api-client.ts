// The client end of the local API, used by the `pacer` CLI and by tests.
import { connect, type Socket } from "node:net";
import { DEFAULT_SOCKET, type ApiError, type ApiResponse } from "./api-protocol.js";

/** The daemon answered with an error. */
export class ApiCallError extends Error {
  constructor(readonly error: ApiError) {
    super(error.problems && error.problems.length > 0 ? `${error.message}${error.problems.map((p) => `\n  - ${p}`).join("")}` : error.message);
    this.name = "ApiCallError";
  }
}

/** The daemon could not be reached at all. */
export class ApiUnreachableError extends Error {
  constructor(
    readonly socketPath: string,
    readonly reason: NodeJS.ErrnoException,
  ) {
    super(
      `cannot reach pacerd at ${socketPath}: ${reason.code === "ENOENT" || reason.code === "ECONNREFUSED" ? "it is not running" : reason.code === "EACCES" ? "permission denied (root or group haclient only)" : reason.message}`,
    );
    this.name = "ApiUnreachableError";
  }
}

export class ApiClient {
  private socket?: Socket;
  private nextId = 1;
  private buffered = "";
  private readonly waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  constructor(readonly socketPath: string = process.env.PACER_SOCKET || DEFAULT_SOCKET) {}

  private open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      socket.setEncoding("utf8");
      socket.once("error", (err: NodeJS.ErrnoException) => reject(new ApiUnreachableError(this.socketPath, err)));
      socket.once("connect", () => {
        socket.removeAllListeners("error");
        socket.on("error", (err) => this.failAll(err));
        socket.on("close", () => this.failAll(new Error(`pacerd closed the connection (${this.socketPath})`)));
        socket.on("data", (chunk: string) => this.onData(chunk));
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  async call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const socket = await this.open();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (r: unknown) => void, reject });
      socket.write(JSON.stringify({ id, op, args }) + "\n");
    });
  }

  close(): void {
    this.socket?.end();
    this.socket = undefined;
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const response = JSON.parse(line) as ApiResponse;
      const waiter = this.waiting.get(response.id);
      if (!waiter) continue;
      this.waiting.delete(response.id);
      if (response.ok) waiter.resolve(response.result);
      else waiter.reject(new ApiCallError(response.error));
    }
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
