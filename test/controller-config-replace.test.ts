// replaceConfiguration: an admin's configuration edit of a CIB fetched before the engine
// recorded more results goes in (the live status is kept); a configuration that moved on
// meanwhile is still refused.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { child, element, serializeXml } from "../src/cib/xml.js";
import { CibStore } from "../src/controller/cib-store.js";
import { CibRefusedError } from "../src/controller/cib-validate.js";
import { formatVersion } from "../src/controller/cib-version.js";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test("a configuration edit on a CIB whose status moved on is applied; the live status stays", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pacer-cfgrep-"));
  dirs.push(dir);
  const store = await CibStore.open({ stateDir: dir, origin: "node1" });
  await store.update((cib) => {
    child(child(cib, "configuration")!, "nodes")!.children.push(element("node", { id: "1", uname: "node1" }));
    child(cib, "status")!.children.push(element("node_state", { id: "1", uname: "node1" }));
  });
  const fetched = store.snapshot();
  // The engine records something after the admin fetched the CIB.
  await store.update((cib) => void (child(cib, "status")!.children[0].attrs.crmd = "online"));
  // The admin adds a resource to the copy and sends it back.
  child(child(fetched, "configuration")!, "resources")!.children.push(element("primitive", { id: "d1", class: "ocf", provider: "pacemaker", type: "Dummy" }));
  await assert.rejects(store.replace(serializeXml(fetched)), /is older than the current/, "a whole-CIB replace is refused");
  const before = store.version;
  const r = await store.replaceConfiguration(serializeXml(fetched), { client: "pacer resource" });
  assert.equal(r.kind, "configuration");
  assert.equal(formatVersion(r.version), `0:${before.epoch + 1}:0`);
  assert.match(store.text(), /<primitive id="d1"/);
  assert.match(store.text(), /crmd="online"/, "the status recorded meanwhile is kept");
  assert.equal(store.snapshot().attrs["update-client"], "pacer resource");

  // The same stale copy again: its configuration is now older → refused, nothing changed.
  const text = store.text();
  await assert.rejects(store.replaceConfiguration(serializeXml(fetched)), (e: unknown) => e instanceof CibRefusedError && /is older than the current/.test(e.message));
  assert.equal(store.text(), text);
  // Invalid configurations are refused as ever.
  const bad = store.snapshot();
  child(child(bad, "configuration")!, "constraints")!.children.push(element("rsc_location", { id: "l1", rsc: "ghost", node: "node1", score: "10" }));
  await assert.rejects(store.replaceConfiguration(serializeXml(bad)), /ghost/);
  assert.equal(store.text(), text);
  await store.close();
});
