// The daemon's end of the local API: a unix socket only root and the haclient group may
// use (the socket's mode and group are the access control, as for Pacemaker's IPC).
// Each line is one request; a handler's thrown error becomes an error response, so a bad
// request never takes the daemon down.
import { chmod, chown, mkdir, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";
import { groupId } from "../executor/accounts.js";
import { MAX_LINE_BYTES, type ApiError, type ApiRequest, type ApiResponse } from "./api-protocol.js";

export type ApiHandler = (args: Record<string, unknown>) => Promise<unknown> | unknown;

/** An error meant for the client, with its code (anything else is reported as "internal"). */
export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
    this.name = "ApiFailure";
  }
}

export class ApiServer {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly handlers: Record<string, ApiHandler>,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  async listen(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o750 });
    // A socket file left by a daemon that died is in the way; a live daemon holds the
    // state lock, so by now nobody else can be serving this path.
    await rm(path, { force: true });
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    await chmod(path, 0o660);
    const gid = groupId("haclient");
    if (gid !== undefined && process.getuid?.() === 0) await chown(path, 0, gid);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let buffered = "";
    // Requests on one connection are answered in order, one at a time.
    let chain = Promise.resolve();
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_LINE_BYTES) {
        socket.end(JSON.stringify({ id: 0, ok: false, error: { code: "bad-request", message: `request longer than ${MAX_LINE_BYTES} bytes` } }) + "\n");
        buffered = "";
        return;
      }
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() === "") continue;
        chain = chain.then(async () => {
          const response = await this.answer(line);
          if (!socket.destroyed) socket.write(JSON.stringify(response) + "\n");
        });
      }
    });
  }

  private async answer(line: string): Promise<ApiResponse> {
    let request: ApiRequest;
    try {
      request = JSON.parse(line) as ApiRequest;
    } catch (err) {
      return { id: 0, ok: false, error: { code: "bad-request", message: `not JSON: ${(err as Error).message}` } };
    }
    const id = typeof request?.id === "number" ? request.id : 0;
    if (typeof request?.op !== "string") return { id, ok: false, error: { code: "bad-request", message: "the request has no op" } };
    const handler = Object.hasOwn(this.handlers, request.op) ? this.handlers[request.op] : undefined;
    if (!handler) return { id, ok: false, error: { code: "bad-request", message: `unknown op "${request.op}"` } };
    const args = request.args && typeof request.args === "object" ? request.args : {};
    try {
      return { id, ok: true, result: (await handler(args)) ?? null };
    } catch (err) {
      if (err instanceof ApiFailure) return { id, ok: false, error: err.error };
      this.log(`${request.op} failed: ${err instanceof Error ? err.stack : String(err)}`);
      return { id, ok: false, error: { code: "internal", message: err instanceof Error ? err.message : String(err) } };
    }
  }
}

