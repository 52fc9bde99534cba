// Operation digests: how Pacemaker notices that a resource's definition changed since an
// operation ran. Each recorded operation (`lrm_rsc_op`) carries an MD5 over the parameters it
// ran with; the scheduler recomputes the same MD5 from the current definition and restarts
// (or reloads) the resource when they differ.
//
// Everything here was established by experiment against Pacemaker 2.1.5 (`crm_simulate -O`,
// `crm_resource --digests`) and the operation history recorded in its regression cases:
//
// - The hashed text is a space, `<parameters` + ` name="value"` for each parameter sorted by
//   name (byte order) + `/>`, and a newline; values escaped as Pacemaker writes XML.
// - Before hashing, every `CRM_meta_*` parameter and the bookkeeping names `id`,
//   `crm_feature_set`, `op-digest`, `on_node`, `on_node_uuid`, `pcmk_external_ip` are dropped,
//   except that a recurring operation (CRM_meta_interval ≠ 0) keeps `CRM_meta_timeout`.
// - op-digest ("all"): all parameters the operation ran with (resource instance attributes,
//   the operation's own instance attributes, and the timeout for recurring operations).
// - op-restart-digest: only the parameters named in op-force-restart (the agent's parameters
//   that a reload cannot apply). It is recorded only when the agent's meta-data is known and
//   the agent supports reloads; crm_simulate has no meta-data and records neither.
// - op-secure-digest: all parameters except those named in op-secure-params (the agent's
//   private ones), never with the timeout. For histories written before feature set 3.16.0
//   only the resource's own parameters count and, for fence devices, Pacemaker's own
//   device parameters (`pcmk_host_list`, ...) are left out too.
// - The restart digest is only worth comparing when the record has one: Pacemaker ignores
//   it otherwise (crm_resource --digests may still print one for failed recurring records).
import { createHash } from "node:crypto";
import { pcmkEscape } from "./pcmk-format.js";
import type { XmlElement } from "./xml.js";

/** Parameters as name → value (insertion order does not matter: they are sorted). */
export type Params = Record<string, string>;

const BOOKKEEPING = new Set(["id", "crm_feature_set", "op-digest", "on_node", "on_node_uuid", "pcmk_external_ip"]);

/** The text Pacemaker hashes for a parameter set. */
export function digestText(params: Params): string {
  const names = Object.keys(params).sort(byteOrder);
  let text = " <parameters";
  for (const name of names) text += ` ${name}="${pcmkEscape(params[name])}"`;
  return text + "/>\n";
}

/** MD5 (hex) of the canonical form of a parameter set, with no filtering. */
export function hashParams(params: Params): string {
  return createHash("md5").update(digestText(params), "utf8").digest("hex");
}

/** Drop meta-parameters and bookkeeping names; a recurring operation keeps its timeout. */
export function filterForDigest(params: Params): Params {
  const out: Params = {};
  for (const name of Object.keys(params)) {
    if (!name.startsWith("CRM_meta_") && !BOOKKEEPING.has(name)) out[name] = params[name];
  }
  const interval = params.CRM_meta_interval;
  if (interval !== undefined && interval !== "0" && params.CRM_meta_timeout !== undefined) {
    out.CRM_meta_timeout = params.CRM_meta_timeout;
  }
  return out;
}

/** Parse a space-separated parameter list (op-force-restart, op-secure-params). */
export function parseParamList(list: string | undefined): Set<string> {
  return new Set((list ?? "").split(/\s+/).filter((n) => n !== ""));
}

/** Write a parameter list the way Pacemaker 2.1 records it: `  a  b  `. */
export function formatParamList(names: Iterable<string>): string {
  let s = " ";
  for (const n of names) s += ` ${n} `;
  return s + " ";
}

function pick(params: Params, keep: (name: string) => boolean): Params {
  const out: Params = {};
  for (const name of Object.keys(params)) if (keep(name)) out[name] = params[name];
  return out;
}

// ---------------------------------------------------------------------------------------
// Recording side: what the executor (or crm_simulate) writes after running an action.

/** What the agent's meta-data says about its parameters (absent: nothing is known). */
export interface AgentParamInfo {
  /** Whether the agent can reload (OCF 1.1 reload-agent, or legacy reload). */
  supportsReload: boolean;
  /** Parameters a reload cannot apply (OCF 1.1: not `reloadable`; legacy: `unique`). */
  restartParams: string[];
  /** Parameters marked `private`. */
  privateParams: string[];
}

/** Names treated as private when an agent marks no parameter private itself. */
const CONVENTIONAL_PRIVATE = new Set(["passwd", "password", "user"]);

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on|y)$/i.test(v);

/**
 * What an agent's meta-data (`<resource-agent>` XML) says for digests, as the histories
 * Pacemaker controllers recorded show it: an agent with a `reload-agent` action reloads every
 * parameter marked `reloadable`, so the others force a restart; an agent with only the
 * legacy `reload` action reloads all but its `unique` parameters; any other agent cannot
 * reload. Private parameters are those marked `private`, or, when none is, the agent's
 * parameters named passwd, password or user.
 */
export function agentParamInfo(metadata: XmlElement): AgentParamInfo {
  const params = metadata.children.find((c) => c.name === "parameters")?.children.filter((p) => p.name === "parameter" && p.attrs.name) ?? [];
  const actions = new Set(metadata.children.find((c) => c.name === "actions")?.children.map((a) => a.attrs.name) ?? []);
  let restartParams: string[] = [];
  let supportsReload = false;
  if (actions.has("reload-agent")) {
    supportsReload = true;
    restartParams = params.filter((p) => !truthy(p.attrs.reloadable)).map((p) => p.attrs.name);
  } else if (actions.has("reload")) {
    supportsReload = true;
    restartParams = params.filter((p) => truthy(p.attrs.unique)).map((p) => p.attrs.name);
  }
  const marked = params.filter((p) => truthy(p.attrs.private)).map((p) => p.attrs.name);
  const privateParams = marked.length > 0 ? marked : params.map((p) => p.attrs.name).filter((n) => CONVENTIONAL_PRIVATE.has(n));
  return { supportsReload, restartParams, privateParams };
}

export interface RecordedDigests {
  "op-digest": string;
  "op-force-restart"?: string;
  "op-restart-digest"?: string;
  "op-secure-params"?: string;
  "op-secure-digest"?: string;
}

/**
 * The digests to record for an action that ran with `actionParams` (the graph action's
 * attributes: instance parameters plus CRM_meta_*). Without agent meta-data, as in
 * crm_simulate, only op-digest is recorded.
 */
export function recordDigests(actionParams: Params, agent?: AgentParamInfo): RecordedDigests {
  const all = filterForDigest(actionParams);
  const out: RecordedDigests = { "op-digest": hashParams(all) };
  if (agent?.supportsReload) {
    const restart = new Set(agent.restartParams);
    out["op-force-restart"] = formatParamList(agent.restartParams);
    out["op-restart-digest"] = hashParams(pick(all, (n) => restart.has(n)));
  }
  if (agent && agent.privateParams.length > 0) {
    const secret = new Set(agent.privateParams);
    out["op-secure-params"] = formatParamList(agent.privateParams);
    out["op-secure-digest"] = hashParams(pick(all, (n) => !secret.has(n)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Checking side: the digests the scheduler expects for a recorded operation, from the
// resource's current definition.

export interface DigestRequest {
  /**
   * The resource's instance attributes as evaluated for the operation's node: its own sets,
   * then those of its parents (group, clone) for names it does not set itself; nvpairs whose
   * value is `#default` do not count. (Checked against crm_resource --digests.)
   */
  params: Params;
  /** Instance attributes configured on the matching `<op>`, if any. */
  opParams?: Params;
  /** The operation's interval in milliseconds (0 for one-shot operations). */
  intervalMs: number;
  /** The operation's timeout in milliseconds (needed for recurring operations). */
  timeoutMs?: number | string;
  /** Whether the resource is a fence device (class stonith). */
  fencing?: boolean;
  /** The recorded operation, when there is one: its lists decide what the other digests cover. */
  recorded?: {
    "op-force-restart"?: string;
    "op-restart-digest"?: string;
    "op-secure-params"?: string;
    crm_feature_set?: string;
  };
}

export interface ExpectedDigests {
  /** Compare with op-digest. */
  all: string;
  /** Compare with op-restart-digest (computed only when the record has one). */
  restart?: string;
  /** Compare with op-secure-digest. */
  secure: string;
}

/** The parameter list Pacemaker uses when no operation is recorded. */
const DEFAULT_SECURE_LIST = " passwd password user ";

export function expectedDigests(req: DigestRequest): ExpectedDigests {
  const all: Params = { ...req.params, ...(req.opParams ?? {}) };
  if (req.intervalMs !== 0 && req.timeoutMs !== undefined) all.CRM_meta_timeout = String(req.timeoutMs);
  const allFiltered = filterForDigest({ ...all, CRM_meta_interval: String(req.intervalMs) });
  const result: ExpectedDigests = { all: hashParams(allFiltered), secure: "" };

  const rec = req.recorded;
  if (rec?.["op-restart-digest"] !== undefined) {
    // No list recorded: nothing is filtered out.
    const list = rec["op-force-restart"];
    const keep = parseParamList(list);
    result.restart = hashParams(list === undefined ? allFiltered : pick(allFiltered, (n) => keep.has(n)));
  }

  const secret = parseParamList(rec ? rec["op-secure-params"] : DEFAULT_SECURE_LIST);
  // Without a record the current feature set applies.
  if (rec !== undefined && isOlderThan(rec.crm_feature_set, [3, 16, 0])) {
    // Older controllers hashed only the resource's own parameters, without the timeout
    // and without the parameters Pacemaker adds to fence devices.
    const base = filterForDigest({ ...req.params });
    result.secure = hashParams(pick(base, (n) => !secret.has(n) && !(req.fencing && isFenceParam(n))));
  } else {
    // Filtered a second time without the interval, so the timeout never stays in.
    result.secure = hashParams(pick(allFiltered, (n) => !secret.has(n) && !n.startsWith("CRM_meta_")));
  }
  return result;
}

const FENCE_PARAMS = new Set(["provides", "stonith-timeout", "pcmk_action_limit", "pcmk_delay_base", "pcmk_delay_max", "pcmk_host_argument", "pcmk_host_check", "pcmk_host_list", "pcmk_host_map"]);

/** Parameters Pacemaker itself interprets on fence devices (not the agent's): the fixed
 *  set above and the per-action `pcmk_ACTION_action|timeout|retries` overrides. */
export function isFenceParam(name: string): boolean {
  if (FENCE_PARAMS.has(name)) return true;
  return /^pcmk_[^_]*_(action|timeout|retries)$/.test(name);
}

/** Compare dotted feature-set versions; an absent version counts as old. */
function isOlderThan(version: string | undefined, than: number[]): boolean {
  if (version === undefined) return true;
  const parts = version.split(".").map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < than.length; i++) {
    const a = parts[i] ?? 0;
    if (a !== than[i]) return a < than[i];
  }
  return false;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Verdict: what a recorded operation says about the current definition.

/**
 * - `match`    nothing changed;
 * - `restart`  a parameter a reload cannot apply changed (recorded restart digest differs);
 * - `all`      some parameter changed, and only the full digest tells;
 * - `unknown`  the record has no op-digest.
 *
 * What Pacemaker 2.1.5 does with it (observed with crm_simulate): for the last one-shot
 * operation of an active resource, `restart` and `unknown` restart it ("due to resource
 * definition change"); `all` reloads it (`reload-agent`, Transition Summary "Reload") when
 * the record has an op-restart-digest (the agent can reload), else restarts it. For a
 * recurring operation anything but `match` re-issues that monitor, with no summary line.
 */
export type DigestVerdict = "match" | "restart" | "all" | "unknown";

export function compareDigests(record: { "op-digest"?: string; "op-restart-digest"?: string }, expected: ExpectedDigests): DigestVerdict {
  const restart = record["op-restart-digest"];
  if (restart !== undefined && expected.restart !== undefined && restart !== expected.restart) return "restart";
  const all = record["op-digest"];
  if (all === undefined) return "unknown";
  return all === expected.all ? "match" : "all";
}
