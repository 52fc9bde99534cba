// Node weights per resource ("allowed nodes"): every preference — symmetric default, location
// constraints, stickiness, failure bans — ends up as a score added to one node's weight.
import { INFINITY, addScores } from "../cib/score.js";
import type { Node, Resource, WorkingSet } from "./types.js";

/** Add `score` to the resource's (and its children's) weight on one node, or on every node. */
export function resourceLocation(ws: WorkingSet, rsc: Resource, node: Node | null, score: number, tag = ""): void {
  if (node) nodeScore(rsc, node, score, tag);
  else for (const n of ws.nodes) nodeScore(rsc, n, score, tag);
  if (!node && score === -INFINITY) rsc.assigned = null;
}

function nodeScore(rsc: Resource, node: Node, score: number, tag: string): void {
  if (tag === "symmetric_default" && (rsc.exclusiveDiscover || rsc.discovery.get(node) === "never")) return;
  for (const c of rsc.children) nodeScore(c, node, score, tag);
  const cur = rsc.allowed.get(node);
  rsc.allowed.set(node, addScores(cur === undefined ? node.weight : cur, score));
}
