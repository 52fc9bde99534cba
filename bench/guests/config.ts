// The benchmark's cluster configuration as CIB XML: N ocf:pacer:nscontainer guests on the
// host, R ocf:pacemaker:Dummy inside each. The same layout as `pacer demo` (opt-in cluster:
// containers may run only on the host, each Dummy only in its guest; no fencing device),
// written out directly because hundreds of CLI calls would measure the CLI, not the cluster.
// Pacemaker gets exactly the same configuration in the comparison run.
import { element, parseXml, serializeXml, type XmlElement } from "../../src/cib/xml.js";

export interface GuestLayout {
  guests: number;
  dummiesPerGuest: number;
  /** Monitor interval of containers and Dummies, e.g. "2s". */
  monitor: string;
  /**
   * resource-discovery of the location constraints. "exclusive": a Dummy is probed only in
   * its own guest, a container only on the host. "always" (Pacemaker's default): every
   * resource is probed on every node, guests × Dummies probes — 30,000 at 100 × 3.
   */
  discovery?: "always" | "exclusive";
  host: string;
  /** nscontainer instance attributes of guest i (1-based). */
  containerParams(i: number): Record<string, string>;
  guestAddress(i: number): string;
}

export const guest = (i: number) => `guest${i}`;
export const container = (i: number) => `guest${i}-ctr`;
export const dummy = (i: number, j: number) => `guest${i}-d${j}`;

function nv(id: string, name: string, value: string): XmlElement {
  return element("nvpair", { id, name, value });
}

function op(rsc: string, name: string, interval: string, timeout: string): XmlElement {
  return element("op", { id: `${rsc}-${name}-${interval}`, name, interval, timeout });
}

/** The resources, constraints and cluster options, to put into a CIB. */
export function layoutElements(l: GuestLayout): { options: XmlElement[]; resources: XmlElement[]; constraints: XmlElement[] } {
  const options = [
    nv("opt-stonith-enabled", "stonith-enabled", "false"),
    nv("opt-symmetric-cluster", "symmetric-cluster", "false"),
  ];
  const resources: XmlElement[] = [];
  const constraints: XmlElement[] = [];
  for (let i = 1; i <= l.guests; i++) {
    const c = container(i);
    resources.push(
      element("primitive", { id: c, class: "ocf", provider: "pacer", type: "nscontainer" }, [
        element("instance_attributes", { id: `${c}-params` }, Object.entries(l.containerParams(i)).map(([k, v]) => nv(`${c}-${k}`, k, v))),
        element("meta_attributes", { id: `${c}-meta` }, [nv(`${c}-remote-node`, "remote-node", guest(i)), nv(`${c}-remote-addr`, "remote-addr", l.guestAddress(i))]),
        element("operations", {}, [op(c, "start", "0s", "60s"), op(c, "stop", "0s", "30s"), op(c, "monitor", l.monitor, "20s")]),
      ]),
    );
    const discovery: Record<string, string> = l.discovery && l.discovery !== "always" ? { "resource-discovery": l.discovery } : {};
    constraints.push(element("rsc_location", { id: `loc-${c}`, rsc: c, node: l.host, score: "INFINITY", ...discovery }));
    for (let j = 1; j <= l.dummiesPerGuest; j++) {
      const d = dummy(i, j);
      resources.push(element("primitive", { id: d, class: "ocf", provider: "pacemaker", type: "Dummy" }, [element("operations", {}, [op(d, "monitor", l.monitor, "20s")])]));
      constraints.push(element("rsc_location", { id: `loc-${d}`, rsc: d, node: guest(i), score: "INFINITY", ...discovery }));
    }
  }
  return { options, resources, constraints };
}

/** `cib` (a whole CIB document) with the layout's configuration added. */
export function withLayout(cibText: string, l: GuestLayout): string {
  const cib = parseXml(cibText, "CIB");
  const cfg = cib.children.find((c) => c.name === "configuration")!;
  const section = (name: string) => {
    let s = cfg.children.find((c) => c.name === name);
    if (!s) cfg.children.push((s = element(name, {})));
    return s;
  };
  const { options, resources, constraints } = layoutElements(l);
  const crmConfig = section("crm_config");
  let props = crmConfig.children.find((c) => c.name === "cluster_property_set" && c.attrs.id === "cib-bootstrap-options");
  if (!props) crmConfig.children.push((props = element("cluster_property_set", { id: "cib-bootstrap-options" })));
  const names = new Set(options.map((o) => o.attrs.name));
  props.children = [...props.children.filter((c) => !names.has(c.attrs.name)), ...options];
  section("resources").children.push(...resources);
  section("constraints").children.push(...constraints);
  cib.attrs.epoch = String(Number(cib.attrs.epoch ?? "0") + 1);
  return serializeXml(cib, { indent: 1 });
}
