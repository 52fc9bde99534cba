// Synthetic CIBs for the scheduler benchmark (see ../README.md for the scenarios).
// Written as text, not as a tree: the biggest inputs are over 100 MB.
import { hashParams, filterForDigest } from "../../src/cib/digest.js";

export type Scenario = "plain" | "mixed" | "guests";
export type State = "fresh" | "steady";

export interface Spec {
  scenario: Scenario;
  state: State;
  nodes: number;
  /** Primitives for plain/mixed; guests for the guest scenario. */
  size: number;
}

const FEATURE_SET = "3.16.1";
const MONITOR_MS = 10000;
const CONNECTION_MONITOR_MS = 30000;
const GUEST_RESOURCES = 5;
const GUEST_EXTRA_PRIMITIVES = 100;

/** One primitive of the generated configuration and where it runs in the steady state. */
interface Placed {
  id: string;
  cls: "ocf";
  provider: string;
  type: string;
  params: Record<string, string>;
  /** Node the resource runs on in the steady state (undefined: a clone instance per node). */
  node?: string;
  /** Monitor interval and timeout recorded in the steady state. */
  monitor: { interval: number; timeout: number };
  /** Nodes on which the resource's state is known: probed (not running) or running. */
  known: "all-nodes" | "cluster-nodes";
  /** Not configured: the connection resource Pacemaker creates for a guest node. */
  implicit?: boolean;
}

export function generateCib(spec: Spec): string {
  const nodes = Array.from({ length: spec.nodes }, (_, i) => `node${i + 1}`);
  const out: string[] = [];
  const config = buildConfiguration(spec, nodes);
  out.push(
    `<cib validate-with="pacemaker-3.7" crm_feature_set="${FEATURE_SET}" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">\n`,
    `  <configuration>\n    <crm_config>\n      <cluster_property_set id="cib-bootstrap-options">\n`,
    `        <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>\n`,
    `        <nvpair id="opt-no-quorum-policy" name="no-quorum-policy" value="ignore"/>\n`,
    `      </cluster_property_set>\n    </crm_config>\n    <nodes>\n`,
  );
  nodes.forEach((n, i) => out.push(`      <node id="${i + 1}" uname="${n}"/>\n`));
  out.push(`    </nodes>\n    <resources>\n`, config.resources, `    </resources>\n    <constraints>\n`, config.constraints, `    </constraints>\n`);
  out.push(
    `    <rsc_defaults>\n      <meta_attributes id="rsc-options">\n`,
    `        <nvpair id="rsc-options-resource-stickiness" name="resource-stickiness" value="100"/>\n`,
    `      </meta_attributes>\n    </rsc_defaults>\n  </configuration>\n  <status>\n`,
  );
  const guests = config.guests;
  nodes.forEach((n, i) => {
    out.push(`    <node_state id="${i + 1}" uname="${n}" in_ccm="true" crmd="online" crm-debug-origin="bench" join="member" expected="member">\n`);
    if (spec.state === "steady") out.push(history(String(i + 1), n, config.placed, i));
    out.push(`    </node_state>\n`);
  });
  if (spec.state === "steady") {
    guests.forEach((g, j) => {
      out.push(`    <node_state id="${g.name}" uname="${g.name}" remote_node="true" crm-debug-origin="bench" in_ccm="true" crmd="online">\n`);
      out.push(history(g.name, g.name, config.placed, nodes.length + j));
      out.push(`    </node_state>\n`);
    });
  }
  out.push(`  </status>\n</cib>\n`);
  return out.join("");
}

interface Configuration {
  resources: string;
  constraints: string;
  placed: Placed[];
  guests: { name: string; host: string }[];
}

const dummy = (id: string, node?: string): Placed => ({
  id, cls: "ocf", provider: "pacemaker", type: "Dummy", params: {}, node,
  monitor: { interval: MONITOR_MS, timeout: 20000 }, known: "all-nodes",
});

function primitiveXml(p: Placed, indent: string, meta = ""): string {
  const params = Object.entries(p.params);
  const inst = params.length === 0 ? "" :
    `${indent}  <instance_attributes id="${p.id}-ia">\n${params.map(([k, v]) => `${indent}    <nvpair id="${p.id}-ia-${k}" name="${k}" value="${v}"/>\n`).join("")}${indent}  </instance_attributes>\n`;
  return `${indent}<primitive id="${p.id}" class="${p.cls}" provider="${p.provider}" type="${p.type}">\n${meta}${inst}` +
    `${indent}  <operations>\n${indent}    <op id="${p.id}-monitor-${p.monitor.interval / 1000}s" name="monitor" interval="${p.monitor.interval / 1000}s" timeout="${p.monitor.timeout / 1000}s"/>\n${indent}  </operations>\n` +
    `${indent}</primitive>\n`;
}

function buildConfiguration(spec: Spec, nodes: string[]): Configuration {
  const res: string[] = [];
  const cons: string[] = [];
  const placed: Placed[] = [];
  const guests: { name: string; host: string }[] = [];
  const nodeOf = (i: number) => nodes[i % nodes.length];
  const prefer = (rsc: string, node: string) =>
    cons.push(`      <rsc_location id="loc-${rsc}" rsc="${rsc}" node="${node}" score="50"/>\n`);

  if (spec.scenario === "plain") {
    for (let i = 0; i < spec.size; i++) {
      const p = dummy(`rsc${i}`, nodeOf(i));
      placed.push(p);
      res.push(primitiveXml(p, "      "));
      if (i % 4 === 0) prefer(p.id, nodeOf(i));
    }
  } else if (spec.scenario === "mixed") {
    const chained = Math.round(spec.size * 0.6);
    const grouped = Math.round(spec.size * 0.3);
    const cloned = spec.size - chained - grouped;
    for (let i = 0; i < chained; i++) {
      const chain = Math.floor(i / 10);
      const p = dummy(`chain${chain}-${i % 10}`, nodeOf(chain));
      placed.push(p);
      res.push(primitiveXml(p, "      "));
      if (i % 10 === 0) prefer(p.id, nodeOf(chain));
      else {
        const prev = `chain${chain}-${(i % 10) - 1}`;
        cons.push(`      <rsc_colocation id="col-${p.id}" rsc="${p.id}" with-rsc="${prev}" score="INFINITY"/>\n`);
        cons.push(`      <rsc_order id="ord-${p.id}" first="${prev}" then="${p.id}" kind="Mandatory"/>\n`);
      }
    }
    for (let g = 0; g * 5 < grouped; g++) {
      res.push(`      <group id="group${g}">\n`);
      for (let k = 0; k < 5 && g * 5 + k < grouped; k++) {
        const p = dummy(`group${g}-${k}`, nodeOf(g));
        placed.push(p);
        res.push(primitiveXml(p, "        "));
      }
      res.push(`      </group>\n`);
      if (g % 2 === 0) prefer(`group${g}`, nodeOf(g));
    }
    for (let c = 0; c < cloned; c++) {
      const p = dummy(`clonersc${c}`);
      placed.push(p);
      res.push(`      <clone id="clone${c}">\n        <meta_attributes id="clone${c}-meta">\n          <nvpair id="clone${c}-interleave" name="interleave" value="true"/>\n        </meta_attributes>\n`);
      res.push(primitiveXml(p, "        "), `      </clone>\n`);
      if (c > 0) cons.push(`      <rsc_order id="ord-clone${c}" first="clone${c - 1}" then="clone${c}" kind="Mandatory"/>\n`);
    }
  } else {
    for (let g = 0; g < spec.size; g++) {
      const name = `guest${g + 1}`;
      const host = nodeOf(g);
      guests.push({ name, host });
      const vm: Placed = {
        id: `vm${g + 1}`, cls: "ocf", provider: "heartbeat", type: "VirtualDomain",
        params: { config: `/etc/libvirt/qemu/${name}.xml` }, node: host,
        monitor: { interval: MONITOR_MS, timeout: 20000 }, known: "cluster-nodes",
      };
      placed.push(vm, {
        id: name, cls: "ocf", provider: "pacemaker", type: "remote", params: {}, node: host,
        monitor: { interval: CONNECTION_MONITOR_MS, timeout: CONNECTION_MONITOR_MS }, known: "cluster-nodes", implicit: true,
      });
      res.push(primitiveXml(vm, "      ",
        `        <meta_attributes id="vm${g + 1}-meta">\n          <nvpair id="vm${g + 1}-remote-node" name="remote-node" value="${name}"/>\n        </meta_attributes>\n`));
      for (let k = 0; k < GUEST_RESOURCES; k++) {
        const p = dummy(`${name}-rsc${k}`, name);
        placed.push(p);
        res.push(primitiveXml(p, "      "));
        cons.push(`      <rsc_location id="loc-${p.id}" rsc="${p.id}" node="${name}" score="INFINITY"/>\n`);
      }
    }
    for (let i = 0; i < GUEST_EXTRA_PRIMITIVES; i++) {
      const p = dummy(`rsc${i}`, nodeOf(i));
      placed.push(p);
      res.push(primitiveXml(p, "      "));
    }
  }
  return { resources: res.join(""), constraints: cons.join(""), placed, guests };
}

/** Digest of a one-shot operation (start, probe) and of a recurring monitor, as recorded. */
function digests(p: Placed): { oneShot: string; monitor: string } {
  return {
    oneShot: hashParams(filterForDigest(p.params)),
    monitor: hashParams(filterForDigest({ ...p.params, CRM_meta_interval: String(p.monitor.interval), CRM_meta_timeout: String(p.monitor.timeout) })),
  };
}

let callCounter = 0;
function op(rsc: string, key: string, task: string, interval: number, rc: number, node: string, digest: string): string {
  const call = ++callCounter;
  const tkey = `1:${call}:${rc}:00000000-0000-0000-0000-000000000000`;
  return `          <lrm_rsc_op id="${key}" operation_key="${rsc}_${task}_${interval}" operation="${task}" crm-debug-origin="bench" crm_feature_set="${FEATURE_SET}" transition-key="${tkey}" transition-magic="0:${rc};${tkey}" exit-reason="" on_node="${node}" call-id="${call}" rc-code="${rc}" op-status="0" interval="${interval}" last-rc-change="1700000000" exec-time="10" queue-time="0" op-digest="${digest}"/>\n`;
}

/** The lrm history of one node in the steady state. */
function history(nodeId: string, node: string, placed: Placed[], nodeIndex: number): string {
  const out: string[] = [`      <lrm id="${nodeId}">\n        <lrm_resources>\n`];
  const isGuest = node.startsWith("guest");
  for (const p of placed) {
    if (p.known === "cluster-nodes" && isGuest) continue;
    const d = digests(p);
    const id = p.node === undefined ? `${p.id}:${nodeIndex}` : p.id;
    out.push(`          <lrm_resource id="${id}" class="${p.cls}" provider="${p.provider}" type="${p.type}">\n`);
    if (p.node === undefined || p.node === node) {
      out.push(op(id, `${id}_last_0`, "start", 0, 0, node, d.oneShot));
      out.push(op(id, `${id}_monitor_${p.monitor.interval}`, "monitor", p.monitor.interval, 0, node, d.monitor));
    } else {
      out.push(op(id, `${id}_last_0`, "monitor", 0, 7, node, d.oneShot));
    }
    out.push(`          </lrm_resource>\n`);
  }
  out.push(`        </lrm_resources>\n      </lrm>\n`);
  return out.join("");
}
