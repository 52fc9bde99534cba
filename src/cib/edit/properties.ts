// Cluster properties (crm_config's cib-bootstrap-options), checked against the options
// Pacemaker 2.1.5 knows so that a typo is an error rather than a silently ignored setting.
import { child, element, type XmlElement } from "../xml.js";
import { checkedModel, EditError, section, setNvpair, type EditResult } from "./tree.js";

export const CLUSTER_OPTIONS = new Set([
  "batch-limit", "cluster-delay", "cluster-infrastructure", "cluster-ipc-limit", "cluster-name", "cluster-recheck-interval",
  "concurrent-fencing", "dc-deadtime", "dc-version", "election-timeout", "enable-acl", "enable-startup-probes",
  "fence-reaction", "have-watchdog", "join-finalization-timeout", "join-integration-timeout", "load-threshold",
  "maintenance-mode", "migration-limit", "no-quorum-policy", "node-action-limit", "node-health-base",
  "node-health-green", "node-health-red", "node-health-strategy", "node-health-yellow", "placement-strategy",
  "pe-error-series-max", "pe-input-series-max", "pe-warn-series-max", "priority-fencing-delay", "remove-after-stop",
  "shutdown-escalation", "shutdown-lock", "shutdown-lock-limit", "start-failure-is-fatal", "startup-fencing",
  "stonith-action", "stonith-enabled", "stonith-max-attempts", "stonith-timeout", "stonith-watchdog-timeout",
  "stop-all-resources", "stop-orphan-actions", "stop-orphan-resources", "symmetric-cluster", "transition-delay",
  "default-resource-stickiness", "is-managed-default", "default-action-timeout",
]);

const SET_ID = "cib-bootstrap-options";

function bootstrap(cib: XmlElement): XmlElement {
  const crm = section(cib, "crm_config");
  let set = crm.children.find((c) => c.name === "cluster_property_set" && c.attrs.id === SET_ID);
  if (!set) {
    set = element("cluster_property_set", { id: SET_ID });
    crm.children.unshift(set);
  }
  return set;
}

export function setProperty(cib: XmlElement, name: string, value: string | undefined, force = false): EditResult {
  if (!force && !CLUSTER_OPTIONS.has(name)) throw new EditError(`unknown cluster property '${name}' (use --force to set it anyway)`);
  const crm = section(cib, "crm_config");
  const holder = element("holder", {}, [bootstrap(cib)]);
  if (value === undefined) {
    const set = child(holder, "cluster_property_set")!;
    if (!set.children.some((p) => p.attrs.name === name)) throw new EditError(`cluster property '${name}' is not set`);
  }
  // setNvpair works on "the first <cluster_property_set> of a parent": hand it a holder
  // around the bootstrap set, then drop the set if it ended empty.
  setNvpair(cib, holder, "cluster_property_set", "unused", name, value);
  const set = crm.children.find((c) => c.attrs.id === SET_ID)!;
  if (set.children.length === 0) crm.children.splice(crm.children.indexOf(set), 1);
  checkedModel(cib);
  return { message: value === undefined ? `unset property ${name}` : `property ${name}=${value}`, changed: "configuration" };
}

export function listProperties(cib: XmlElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const set of section(cib, "crm_config").children) if (set.name === "cluster_property_set") for (const p of set.children) if (p.name === "nvpair" && out[p.attrs.name] === undefined) out[p.attrs.name] = p.attrs.value ?? "";
  return out;
}
