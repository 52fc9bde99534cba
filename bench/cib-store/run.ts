// bench/cib-store: what one CIB commit costs when the CIB is the size of issue 5's target
// (G guests × R Dummy resources, with their operation history), because every recorded
// result is a commit unless the transition engine batches them.
// Usage: node dist/bench/cib-store/run.js [--guests 100] [--resources 3] [--commits 50] [--no-model]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { child, element, type XmlElement } from "../../src/cib/xml.js";
import { CibStore } from "../../src/controller/cib-store.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const G = Number(arg("guests", "100"));
const R = Number(arg("resources", "3"));
const COMMITS = Number(arg("commits", "50"));

function op(rsc: string, task: string, intervalMs: number, callId: number): XmlElement {
  const uuid = "0b5a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b";
  return element("lrm_rsc_op", {
    id: intervalMs ? `${rsc}_monitor_${intervalMs}` : `${rsc}_last_0`,
    operation_key: `${rsc}_${task}_${intervalMs}`,
    operation: task,
    "crm-debug-origin": "do_update_resource",
    crm_feature_set: "3.16.1",
    "transition-key": `1:1:0:${uuid}`,
    "transition-magic": `0:0;1:1:0:${uuid}`,
    "exit-reason": "",
    on_node: "n1",
    "call-id": String(callId),
    "rc-code": "0",
    "op-status": "0",
    interval: String(intervalMs),
    "last-rc-change": "1700000000",
    "exec-time": "20",
    "queue-time": "0",
    "op-digest": "f2317cad3d54cec5d7d7aa7d0bf35cf8",
  });
}

const dir = mkdtempSync(join(tmpdir(), "pacer-bench-store-"));
try {
  const store = await CibStore.open({ stateDir: dir, checkModel: !process.argv.includes("--no-model") });
  await store.update((cib) => {
    const configuration = child(cib, "configuration")!;
    child(configuration, "nodes")!.children.push(element("node", { id: "1", uname: "n1" }));
    const resources = child(configuration, "resources")!;
    for (let g = 0; g < G; g++) {
      resources.children.push(
        element("primitive", { id: `c${g}`, class: "ocf", provider: "pacer", type: "nscontainer" }, [
          element("instance_attributes", { id: `c${g}-ia` }, [element("nvpair", { id: `c${g}-a`, name: "address", value: `10.1.${g}.2/16` })]),
          element("meta_attributes", { id: `c${g}-ma` }, [element("nvpair", { id: `c${g}-rn`, name: "remote-node", value: `g${g}` })]),
          element("operations", {}, [element("op", { id: `c${g}-mon`, name: "monitor", interval: "10s" })]),
        ]),
      );
      for (let r = 0; r < R; r++) {
        resources.children.push(
          element("primitive", { id: `d${g}-${r}`, class: "ocf", provider: "pacemaker", type: "Dummy" }, [
            element("operations", {}, [element("op", { id: `d${g}-${r}-mon`, name: "monitor", interval: "10s" })]),
          ]),
        );
      }
    }
  });
  let callId = 0;
  const t0 = performance.now();
  for (let g = 0; g < G; g++) {
    await store.update((cib) => {
      const lrmResources = Array.from({ length: R }, (_, r) =>
        element("lrm_resource", { id: `d${g}-${r}`, class: "ocf", provider: "pacemaker", type: "Dummy" }, [op(`d${g}-${r}`, "start", 0, ++callId), op(`d${g}-${r}`, "monitor", 10000, ++callId)]),
      );
      child(cib, "status")!.children.push(element("node_state", { id: `g${g}`, uname: `g${g}` }, [element("lrm", { id: `g${g}` }, [element("lrm_resources", {}, lrmResources)])]));
    });
  }
  const t1 = performance.now();
  for (let i = 0; i < COMMITS; i++) await store.update((cib) => (child(cib, "status")!.children[0].attrs["crm-debug-origin"] = `bench-${i}`));
  const t2 = performance.now();
  console.log(
    `${G} guests × ${R} resources: CIB ${Math.round(statSync(store.path).size / 1024)} KiB; ` +
      `building the status: ${((t1 - t0) / G).toFixed(1)} ms per commit; then ${((t2 - t1) / COMMITS).toFixed(1)} ms per status commit`,
  );
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
