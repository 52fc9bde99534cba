// How guest and remote nodes show in the CIB status, as Pacemaker's controller writes them:
// a `<node_state remote_node="true" id=NAME uname=NAME in_ccm=...>` whose in_ccm follows the
// connection (true while connected). The scheduler decides whether such a node is online
// from its connection resource's history, not from this entry; the entry is where the
// node's own resource history and attributes live, and what tools read for the node's
// membership.
import type { XmlElement } from "../cib/xml.js";
import { child, element } from "../cib/xml.js";

/**
 * Bring the remote node_states in line with the connections that are up. Nodes in
 * `connected` get in_ccm="true" (created when missing); remote node_states that say
 * in_ccm="true" but are not connected get in_ccm="false". Returns true when it changed
 * anything.
 */
export function recordRemoteNodeStates(cib: XmlElement, connected: Iterable<string>, origin = "remote_node_up"): boolean {
  let status = child(cib, "status");
  if (!status) {
    status = element("status");
    cib.children.push(status);
  }
  const up = new Set(connected);
  let changed = false;
  const seen = new Set<string>();
  for (const st of status.children) {
    if (st.name !== "node_state") continue;
    const name = st.attrs.uname ?? st.attrs.id;
    if (name === undefined) continue;
    if (up.has(name)) {
      seen.add(name);
      if (st.attrs.remote_node !== "true" && st.attrs.crmd !== undefined) continue; // a cluster node of that name
      changed = set(st, "remote_node", "true") || changed;
      if (st.attrs.in_ccm !== "true") {
        st.attrs.in_ccm = "true";
        st.attrs["crm-debug-origin"] = origin;
        changed = true;
      }
    } else if (st.attrs.remote_node === "true" && st.attrs.in_ccm === "true") {
      st.attrs.in_ccm = "false";
      st.attrs["crm-debug-origin"] = "remote_node_down";
      changed = true;
    }
  }
  for (const name of up) {
    if (seen.has(name)) continue;
    status.children.push(element("node_state", { remote_node: "true", id: name, uname: name, in_ccm: "true", "crm-debug-origin": origin, node_fenced: "0" }));
    changed = true;
  }
  return changed;
}

function set(el: XmlElement, name: string, value: string): boolean {
  if (el.attrs[name] === value) return false;
  el.attrs[name] = value;
  return true;
}
