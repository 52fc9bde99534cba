// Where a connection resource's action goes and how long it may take, read from the graph
// action as Pacemaker's controller reads it: a guest's implicit connection carries `addr`
// (its container's remote-addr meta) and `port`; an ocf:pacemaker:remote resource carries
// `server`, `port` and `reconnect_interval`. No address means the node's own name.
import type { GraphAction, GraphPrimitive } from "../scheduler/graph/types.js";
import { parseInterval } from "../cib/duration.js";
import { DEFAULT_PORT } from "../remote/psk.js";

export interface ConnectionTarget {
  /** The guest or remote node's name (= the connection resource's id). */
  node: string;
  host: string;
  port: number;
  /** After a lost connection, no new attempt before this many ms (0 = none). */
  reconnectIntervalMs: number;
}

/** ocf:pacemaker:remote — both a guest's implicit connection and an explicit remote node. */
export function isConnectionResource(p: GraphPrimitive | undefined): boolean {
  return p !== undefined && p.class === "ocf" && p.provider === "pacemaker" && p.type === "remote";
}

export class ConnectionParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectionParamError";
  }
}

export function connectionTarget(action: GraphAction): ConnectionTarget {
  const node = action.primitive?.id;
  if (!node) throw new ConnectionParamError(`connection action ${action.operationKey} (graph action ${action.id}) names no resource`);
  const a = action.attributes;
  const host = nonEmpty(a.addr) ?? nonEmpty(a.server) ?? node;
  const rawPort = nonEmpty(a.port);
  let port = DEFAULT_PORT;
  if (rawPort !== undefined) {
    const n = Number(rawPort);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConnectionParamError(`connection ${node}: port "${rawPort}" is not a port number (1-65535)`);
    // Pacemaker: 0 means the default port.
    if (n > 0) port = n;
  }
  let reconnectIntervalMs = 0;
  const ri = nonEmpty(a.reconnect_interval);
  if (ri !== undefined) {
    const ms = parseInterval(ri);
    if (ms === undefined) throw new ConnectionParamError(`connection ${node}: reconnect_interval "${ri}" is not a duration`);
    reconnectIntervalMs = ms;
  }
  return { node, host, port, reconnectIntervalMs };
}

/** CRM_meta_timeout in ms (the scheduler always sets it; 20 s is Pacemaker's default). */
export function actionTimeoutMs(action: GraphAction): number {
  const n = Number(action.attributes.CRM_meta_timeout);
  return Number.isFinite(n) && n > 0 ? n : 20_000;
}

export function actionIntervalMs(action: GraphAction): number {
  const n = Number(action.attributes.CRM_meta_interval);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}
