// The local API between `pacerd` and its clients (the `pacer` CLI): JSON over a unix
// socket, one request per line and one response per line, matched by `id`. A line
// protocol keeps clients trivial (any language, even `socat`) and needs no framing library.

export const DEFAULT_SOCKET = "/run/pacer/pacerd.sock";

export interface ApiRequest {
  id: number;
  op: string;
  args?: Record<string, unknown>;
}

export type ApiErrorCode =
  /** The CIB was refused: invalid, or older than the current one. `problems` lists why. */
  | "refused"
  /** The request itself is wrong (unknown op, missing argument). */
  | "bad-request"
  /** The daemon failed; the message says how. */
  | "internal";

export interface ApiError {
  code: ApiErrorCode;
  message: string;
  problems?: string[];
}

export type ApiResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ApiError };

/** What `ping` returns: enough to tell which daemon answered and what it believes. */
export interface PingResult {
  node: string;
  nodeId: string;
  infrastructure: string;
  dc: boolean;
  quorate: boolean;
  version: string;
  pid: number;
}

export interface CibGetResult {
  xml: string;
  version: string;
}

export interface CibVerifyResult {
  problems: string[];
}

export interface CibReplaceResult {
  kind: "none" | "status" | "configuration";
  previous: string;
  version: string;
}

/** What `status` returns: the transition engine's state (see planner.ts). */
export type { EngineStatus as StatusResult } from "./planner.js";

/** Longest request line the daemon accepts (a CIB with thousands of resources fits). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
