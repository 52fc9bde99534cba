// Status-section edits, as crm_resource --cleanup / --refresh make them: forget a resource's
// operation history (the cluster re-probes it) and its fail counts.
import { childrenNamed, type XmlElement } from "../xml.js";
import { EditError, removeChild, statusSection, type EditResult } from "./tree.js";
import { resourceElements } from "./resources.js";
import { walk } from "../xml.js";

export interface HistoryScope {
  /** A resource id (a group or clone covers its members); all resources when absent. */
  rsc?: string;
  node?: string;
}

function nodeName(ns: XmlElement): string {
  return ns.attrs.uname ?? ns.attrs.id;
}

/** lrm_resource ids match the primitive id, or `id:N` for anonymous clone instances. */
function scopeMatcher(cib: XmlElement, rsc: string | undefined): (id: string) => boolean {
  if (rsc === undefined) return () => true;
  const top = resourceElements(cib).find((e) => e.attrs.id === rsc);
  if (!top) throw new EditError(`resource '${rsc}' does not exist`);
  const ids = new Set([...walk(top)].filter((e) => e.name === "primitive").map((e) => e.attrs.id));
  return (id) => ids.has(id.replace(/:\d+$/, ""));
}

function failed(op: XmlElement): boolean {
  const status = Number(op.attrs["op-status"] ?? "0");
  const rc = Number(op.attrs["rc-code"] ?? "0");
  const key = op.attrs["transition-key"]?.split(":");
  const expected = key && key.length >= 3 ? Number(key[2]) : 0;
  if (status === -1) return false;
  return status !== 0 || (rc !== expected && !(op.attrs.operation === "monitor" && op.attrs.interval === "0" && rc === 7));
}

function failAttribute(name: string, match: (id: string) => boolean): boolean {
  const m = /^(?:fail-count|last-failure)-(.+?)(?:#.*)?$/.exec(name);
  return m !== null && match(m[1]);
}

function edit(cib: XmlElement, scope: HistoryScope, onlyFailed: boolean): { resources: string[]; attributes: number } {
  const match = scopeMatcher(cib, scope.rsc);
  const status = statusSection(cib);
  const states = childrenNamed(status, "node_state");
  if (scope.node !== undefined && !states.some((s) => nodeName(s) === scope.node)) throw new EditError(`node '${scope.node}' has no status entry`);
  const cleaned: string[] = [];
  let attributes = 0;
  for (const ns of states) {
    if (scope.node !== undefined && nodeName(ns) !== scope.node) continue;
    const failedHere = new Set<string>();
    for (const ta of childrenNamed(ns, "transient_attributes"))
      for (const set of childrenNamed(ta, "instance_attributes"))
        for (const p of [...childrenNamed(set, "nvpair")]) {
          if (!failAttribute(p.attrs.name ?? "", match)) continue;
          failedHere.add(/^(?:fail-count|last-failure)-(.+?)(?:#.*)?$/.exec(p.attrs.name)![1]);
          removeChild(set, p);
          attributes++;
        }
    for (const lrm of childrenNamed(ns, "lrm"))
      for (const resources of childrenNamed(lrm, "lrm_resources"))
        for (const r of [...childrenNamed(resources, "lrm_resource")]) {
          if (!match(r.attrs.id)) continue;
          if (onlyFailed && !failedHere.has(r.attrs.id) && !childrenNamed(r, "lrm_rsc_op").some(failed)) continue;
          removeChild(resources, r);
          cleaned.push(`${r.attrs.id}@${nodeName(ns)}`);
        }
  }
  return { resources: cleaned, attributes };
}

/** Forget failures: history of resources that failed, and fail counts (crm_resource --cleanup). */
export function cleanupHistory(cib: XmlElement, scope: HistoryScope): EditResult & { cleaned: string[] } {
  const r = edit(cib, scope, true);
  return { message: r.resources.length || r.attributes ? `cleaned up ${r.resources.join(", ") || "no history"}${r.attributes ? `; removed ${r.attributes} fail-count attribute(s)` : ""}` : "nothing to clean up", changed: "status", cleaned: r.resources };
}

/** Forget all history: the cluster re-probes (crm_resource --refresh). */
export function refreshHistory(cib: XmlElement, scope: HistoryScope): EditResult & { cleaned: string[] } {
  const r = edit(cib, scope, false);
  return { message: r.resources.length ? `refreshed ${r.resources.join(", ")}` : "no history to refresh", changed: "status", cleaned: r.resources };
}
