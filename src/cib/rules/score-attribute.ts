// A location rule's score: its `score`, or else the value of the node attribute named by
// `score-attribute`. Observed with crm_simulate: `score` wins when both are given; a
// score-attribute the node lacks gives -INFINITY; a non-numeric value gives 0 (lenient
// score parsing); a rule with neither gives 0.
import { resolveRef, type IdIndex } from "../id-index.js";
import { INFINITY, parseScore } from "../score.js";
import type { XmlElement } from "../xml.js";
import { expandSubmatches } from "./submatches.js";

/**
 * The score a matched location rule contributes on a node, or undefined when the rule has
 * neither `score` nor `score-attribute` (the caller then uses the constraint's score or 0).
 */
export function ruleScore(rule: XmlElement, nodeAttrs: ReadonlyMap<string, string> | undefined, submatches?: readonly string[], index?: IdIndex): number | undefined {
  const target = resolveRef(rule, index); // a <rule id-ref> scores as the rule it names
  if (target.attrs.score !== undefined) return parseScore(target.attrs.score);
  const attr = target.attrs["score-attribute"];
  if (attr === undefined) return undefined;
  const value = nodeAttrs?.get(expandSubmatches(attr, submatches));
  return value === undefined ? -INFINITY : parseScore(value);
}
