// Attribute sets ("nvsets": meta_attributes, instance_attributes, utilization,
// cluster_property_set, ...) merged into one name → value map the way Pacemaker 2.1.5 merges
// them. Observed with crm_simulate (target-role set by competing sets):
// - sets are taken in order of `score`, highest first (no score = 0); among sets of equal
//   score the one written LAST comes first (Pacemaker builds the list back to front before a
//   stable sort) — so of two unscored sets, the second one wins;
// - a value already in the map is kept (unless `overwrite`), so the first nvpair of a name
//   wins, within a set and across sets;
// - `value="#default"` removes whatever value the name has so far (from an earlier nvpair of
//   the same set, an earlier set, or what the caller passed in), so a later one may set it;
//   an nvpair without a value is skipped;
// - a set whose rules are all false is skipped (a set with no rule always applies);
// - for cluster_property_set the set with id "cib-bootstrap-options" always comes first.
import { CibError } from "./errors.js";
import { resolveRef, type IdIndex } from "./id-index.js";
import { evaluateRule } from "./rules/evaluate.js";
import type { RuleContext } from "./rules/context.js";
import { earliest } from "./rules/context.js";
import { parseScore } from "./score.js";
import { childrenNamed, type XmlElement } from "./xml.js";

export const CLUSTER_OPTIONS_FIRST = "cib-bootstrap-options";

export interface NvsetOptions {
  overwrite?: boolean;
  /** Id of a set to take before all others (default: "cib-bootstrap-options" when
   * setName is cluster_property_set). */
  alwaysFirst?: string;
  /** Receives the earliest time at which a date rule on one of the sets could change the
   * result (for cluster-recheck scheduling). */
  onNextChange?: (epochSeconds: number) => void;
}

/** The sets named `setName` directly under `parent`, id-refs resolved, in evaluation order. */
export function orderedNvsets(parent: XmlElement, setName: string, index?: IdIndex, alwaysFirst?: string): XmlElement[] {
  const sets = childrenNamed(parent, setName).map((s) => resolveRef(s, index));
  const first = alwaysFirst ?? (setName === "cluster_property_set" ? CLUSTER_OPTIONS_FIRST : undefined);
  const keyed = sets.reverse().map((set) => ({
    set,
    first: first !== undefined && set.attrs.id === first,
    score: parseScore(set.attrs.score),
  }));
  // Array.prototype.sort is stable, so equal scores keep the reversed document order.
  keyed.sort((a, b) => (a.first !== b.first ? (a.first ? -1 : 1) : b.score - a.score));
  return keyed.map((k) => k.set);
}

/** Whether a set applies: any of its rules is true, or it has none. */
export function nvsetApplies(set: XmlElement, ctx: RuleContext, index?: IdIndex, onNextChange?: (t: number) => void): boolean {
  const rules = childrenNamed(set, "rule");
  if (rules.length === 0) return true;
  let applies = false;
  let next: number | undefined;
  for (const rule of rules) {
    const r = evaluateRule(rule, ctx, index);
    next = earliest(next, r.nextChange);
    if (r.matched) applies = true;
  }
  if (next !== undefined) onNextChange?.(next);
  return applies;
}

/** The nvpairs of one set, id-refs resolved, as [name, value|undefined] in document order. */
export function nvpairsOf(set: XmlElement, index?: IdIndex): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (const pair of childrenNamed(set, "nvpair")) {
    const target = resolveRef(pair, index);
    const name = target.attrs.name;
    if (name === undefined) throw new CibError("nvpair has no name", target);
    out.push([name, target.attrs.value]);
  }
  return out;
}

/**
 * Merge the `setName` sets under `parent` into `into` (a new map by default) and return it.
 * Throws CibError for a dangling id-ref or an nvpair without a name.
 */
export function evaluateNvsets(
  parent: XmlElement,
  setName: string,
  ctx: RuleContext,
  index?: IdIndex,
  into: Map<string, string> = new Map(),
  options: NvsetOptions = {},
): Map<string, string> {
  for (const set of orderedNvsets(parent, setName, index, options.alwaysFirst)) {
    if (!nvsetApplies(set, ctx, index, options.onNextChange)) continue;
    for (const [name, value] of nvpairsOf(set, index)) {
      if (value === undefined) continue;
      if (value === "#default") into.delete(name);
      else if (options.overwrite || !into.has(name)) into.set(name, value);
    }
  }
  return into;
}

/** All sets of every `wrapper` element (rsc_defaults, op_defaults) of the configuration,
 * ordered as if they were written in one wrapper (observed: with two rsc_defaults elements,
 * the second one's unscored set wins, as it would inside a single element). */
function defaultsSets(configuration: XmlElement, wrapper: string): XmlElement {
  const merged: XmlElement = { name: wrapper, attrs: {}, children: [], line: 0 };
  for (const w of childrenNamed(configuration, wrapper)) merged.children.push(...w.children);
  return merged;
}

/**
 * Resource defaults for one resource: the rsc_defaults meta_attributes sets whose rules
 * (rsc_expression, date expressions) hold for `ctx.rsc`, merged under what `into` (the
 * resource's own meta attributes) already has.
 */
export function evaluateRscDefaults(configuration: XmlElement, ctx: RuleContext, index?: IdIndex, into: Map<string, string> = new Map()): Map<string, string> {
  return evaluateNvsets(defaultsSets(configuration, "rsc_defaults"), "meta_attributes", ctx, index, into);
}

/** Operation defaults for one operation (`ctx.op`, and `ctx.rsc` for rsc_expression). */
export function evaluateOpDefaults(configuration: XmlElement, ctx: RuleContext, index?: IdIndex, into: Map<string, string> = new Map()): Map<string, string> {
  return evaluateNvsets(defaultsSets(configuration, "op_defaults"), "meta_attributes", ctx, index, into);
}
