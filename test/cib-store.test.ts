import { test, describe as suite, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { child, element, parseXml, type XmlElement } from "../src/cib/xml.js";
import { CibLoadError, CibStore, ctime } from "../src/controller/cib-store.js";
import { CibRefusedError, structuralProblems } from "../src/controller/cib-validate.js";
import { compareVersions, formatVersion, readVersion } from "../src/controller/cib-version.js";
import { StateLockedError } from "../src/controller/state-lock.js";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function stateDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "pacer-store-"));
  dirs.push(d);
  return d;
}

const FIXED = new Date(2026, 0, 8, 9, 5, 7);
function open(dir: string, extra: Parameters<typeof CibStore.open>[0] = {}): Promise<CibStore> {
  return CibStore.open({ stateDir: dir, origin: "node1", now: () => FIXED, ...extra });
}

function section(cib: XmlElement, name: string): XmlElement {
  const configuration = child(cib, "configuration")!;
  return name === "status" ? child(cib, "status")! : child(configuration, name)!;
}
function addDummy(id: string) {
  return (cib: XmlElement) => {
    section(cib, "resources").children.push(element("primitive", { id, class: "ocf", provider: "pacemaker", type: "Dummy" }));
  };
}
function addNodeState(id: string) {
  return (cib: XmlElement) => {
    section(cib, "status").children.push(element("node_state", { id, uname: id, in_ccm: "true", crmd: "online", join: "member", expected: "member" }));
  };
}
const v = (adminEpoch: number, epoch: number, numUpdates: number) => ({ adminEpoch, epoch, numUpdates });

suite("CIB versions", () => {
  test("compare field by field from admin_epoch down", () => {
    assert.ok(compareVersions(v(1, 0, 0), v(0, 99, 99)) > 0);
    assert.ok(compareVersions(v(0, 2, 0), v(0, 1, 50)) > 0);
    assert.ok(compareVersions(v(0, 2, 3), v(0, 2, 4)) < 0);
    assert.equal(compareVersions(v(3, 2, 1), v(3, 2, 1)), 0);
    assert.equal(formatVersion(v(3, 2, 1)), "3:2:1");
  });
  test("missing counters read as 0, mangled ones are an error naming the element", () => {
    assert.deepEqual(readVersion(parseXml('<cib epoch="4"/>')), v(0, 4, 0));
    assert.throws(() => readVersion(parseXml('<cib epoch="-1"/>')), /<cib> \(line 1\): epoch="-1" is not a non-negative integer/);
  });
  test("ctime layout", () => {
    assert.equal(ctime(FIXED), "Thu Jan  8 09:05:07 2026");
  });
});

suite("CIB store", () => {
  test("a fresh state directory starts from an empty CIB and writes nothing until a change", async () => {
    const dir = await stateDir();
    const store = await open(dir);
    assert.equal(store.loadedFrom, "empty");
    assert.deepEqual(store.version, v(0, 0, 0));
    assert.equal(existsSync(join(dir, "cib", "cib.xml")), false);
    const r = await store.update(() => undefined);
    assert.equal(r.kind, "none");
    assert.equal(existsSync(join(dir, "cib", "cib.xml")), false);
    await store.close();
  });

  test("configuration changes bump epoch and reset num_updates; status changes bump num_updates", async () => {
    const dir = await stateDir();
    const store = await open(dir);
    let r = await store.update(addDummy("d1"), { client: "cibadmin", user: "root" });
    assert.equal(r.kind, "configuration");
    assert.deepEqual(r.version, v(0, 1, 0));
    r = await store.update(addNodeState("node1"));
    assert.equal(r.kind, "status");
    assert.deepEqual(r.version, v(0, 1, 1));
    r = await store.update((cib) => (section(cib, "status").children[0].attrs.crmd = "offline"));
    assert.deepEqual(r.version, v(0, 1, 2));
    r = await store.update(addDummy("d2"));
    assert.deepEqual(r.version, v(0, 2, 0));
    // attempts to set the counters directly are overridden: the store owns them
    r = await store.update((cib) => {
      cib.attrs.epoch = "100";
      addDummy("d3")(cib);
    });
    assert.deepEqual(r.version, v(0, 3, 0));
    // an administrator may raise admin_epoch, never lower it
    r = await store.update((cib) => (cib.attrs.admin_epoch = "5"));
    assert.deepEqual(r.version, v(5, 3, 1));
    await assert.rejects(store.update((cib) => (cib.attrs.admin_epoch = "4")), /admin_epoch cannot go down \(5 → 4\)/);
    // a no-op touches nothing
    const before = await stat(store.path);
    r = await store.update(() => undefined);
    assert.equal(r.kind, "none");
    assert.equal((await stat(store.path)).mtimeMs, before.mtimeMs);

    const text = await readFile(store.path, "utf8");
    const head = text.split("\n")[0];
    assert.match(head, /^<cib crm_feature_set="3\.16\.1" validate-with="pacemaker-3\.9" epoch="3" num_updates="1" admin_epoch="5" cib-last-written="Thu Jan  8 09:05:07 2026" update-origin="node1"/);
    assert.match(text, /\n    <resources>\n      <primitive id="d1"/);
    await store.close();

    // reopening finds the same CIB
    const again = await open(dir);
    assert.equal(again.loadedFrom, "file");
    assert.deepEqual(again.version, v(5, 3, 1));
    assert.equal(again.text(), text);
    await again.close();
  });

  test("a changed CIB property other than the bookkeeping ones is a configuration change", async () => {
    const store = await open(await stateDir());
    const r = await store.update((cib) => (cib.attrs["validate-with"] = "pacemaker-3.8"));
    assert.equal(r.kind, "configuration");
    const s = await store.update((cib) => (cib.attrs["have-quorum"] = "1"));
    assert.equal(s.kind, "status");
    await store.close();
  });

  test("an invalid update is refused with the problem named, and memory and disk stay as they were", async () => {
    const dir = await stateDir();
    const store = await open(dir);
    await store.update(addDummy("d1"));
    const stored = await readFile(store.path, "utf8");
    const version = store.version;

    await assert.rejects(
      store.update(addDummy("d1")),
      (e: unknown) => e instanceof CibRefusedError && /<primitive id="d1">: duplicate id "d1" \(first used by <primitive id="d1"> \(line 6\)\)/.test(e.message),
    );
    await assert.rejects(
      store.update((cib) => (child(cib, "configuration")!.children = child(cib, "configuration")!.children.filter((c) => c.name !== "constraints"))),
      /<configuration> \(line 2\): missing <constraints>/,
    );
    await assert.rejects(
      store.update(() => {
        throw new Error("mutator failed");
      }),
      /mutator failed/,
    );
    // a plugged-in validator takes part
    store.addValidator((cib) =>
      section(cib, "resources").children.filter((r) => r.attrs.type === "Forbidden").map((r) => ({ message: `<primitive id="${r.attrs.id}">: agent not allowed` })),
    );
    await assert.rejects(
      store.update((cib) => section(cib, "resources").children.push(element("primitive", { id: "x", class: "ocf", provider: "p", type: "Forbidden" }))),
      /CIB update refused: <primitive id="x">: agent not allowed/,
    );
    assert.deepEqual(store.version, version);
    assert.equal(await readFile(store.path, "utf8"), stored);
    assert.equal(store.text(), stored);
    // the store still works after refusals
    assert.deepEqual((await store.update(addDummy("d2"))).version, v(0, 2, 0));
    await store.close();
  });

  test("the typed CIB model checks every commit: a constraint on an unknown resource is refused", async () => {
    const dir = await stateDir();
    const store = await open(dir);
    await store.update(addDummy("d1"));
    const onUnknown = (cib: XmlElement) =>
      section(cib, "constraints").children.push(element("rsc_location", { id: "l1", rsc: "nope", node: "node1", score: "10" }));
    await assert.rejects(store.update(onUnknown), /CIB update refused: <rsc_location id="l1">: rsc "nope" names no resource/);
    await assert.rejects(
      store.update((cib) => section(cib, "resources").children.push(element("primitive", { id: "d2", class: "ocf", provider: "pacemaker" }))),
      /<primitive id="d2">: primitive has no agent type/,
    );
    assert.deepEqual(store.version, v(0, 1, 0));
    await store.close();
    // without the model check only the structure is verified
    const lax = await open(dir, { checkModel: false });
    assert.equal((await lax.update(onUnknown)).kind, "configuration");
    await lax.close();
    // and the model check then refuses to load what it would not have committed
    await assert.rejects(open(dir), /stored CIB .* is invalid:\n  - <rsc_location id="l1"> \(line \d+\): rsc "nope" names no resource/);
  });

  test("replace follows cibadmin --replace: older refused, the pushed version moves one step on", async () => {
    const store = await open(await stateDir());
    await store.update(addDummy("d1"));
    await store.update(addDummy("d2")); // 0:2:0
    await store.update(addNodeState("n1")); // 0:2:1
    const copy = store.snapshot();

    const older = store.snapshot();
    older.attrs.num_updates = "0";
    addDummy("d9")(older);
    await assert.rejects(store.replace(older), /version 0:2:0 is older than the current 0:2:1/);

    addDummy("d3")(copy);
    let r = await store.replace(copy, { client: "cibadmin" });
    assert.equal(r.kind, "configuration");
    assert.deepEqual(r.version, v(0, 3, 0));

    const jump = store.snapshot();
    jump.attrs.epoch = "20";
    addDummy("d4")(jump);
    r = await store.replace(jump);
    assert.deepEqual(r.version, v(0, 21, 0));

    // a higher admin_epoch wins over any epoch
    const admin = store.snapshot();
    Object.assign(admin.attrs, { admin_epoch: "1", epoch: "0" });
    addDummy("d5")(admin);
    assert.deepEqual((await store.replace(admin)).version, v(1, 1, 0));

    // pushing the current CIB unchanged is a no-op
    assert.equal((await store.replace(store.text())).kind, "none");

    await assert.rejects(store.replace("<cib>\n<configuration>\n</cib>"), /CIB replacement refused: pushed CIB:3:\d+: /);
    await assert.rejects(store.replace("<cob/>"), /<cob> \(line 1\): the root element must be <cib>/);
    await store.close();
  });

  test("the last N configuration versions are kept as cib-N.raw", async () => {
    const dir = await stateDir();
    const store = await open(dir, { keepVersions: 3 });
    for (let i = 1; i <= 6; i++) {
      await store.update(addDummy(`d${i}`));
      await store.update(addNodeState(`n${i}`)); // status writes add no backups
    }
    const backups = await store.backups();
    assert.deepEqual(
      backups.map((b) => b.path.replace(/.*\//, "")),
      ["cib-5.raw", "cib-4.raw", "cib-3.raw"],
    );
    // each backup is the last state of an earlier epoch, newest first
    const versions = await Promise.all(backups.map(async (b) => formatVersion(readVersion(parseXml(await readFile(b.path, "utf8"))))));
    assert.deepEqual(versions, ["0:5:1", "0:4:1", "0:3:1"]);
    assert.deepEqual(store.version, v(0, 6, 1));
    await store.close();
  });

  test("a crash between writing and renaming leaves the previous CIB, and the next start cleans up", async () => {
    const dir = await stateDir();
    const store = await open(dir);
    await store.update(addDummy("d1"));
    const stored = await readFile(store.path, "utf8");
    await store.close();

    // A separate process dies by SIGKILL after its new CIB is durable but before the rename.
    const moduleUrl = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "../src/controller/cib-store.js")).href;
    const script = `
      import { CibStore } from ${JSON.stringify(moduleUrl)};
      const store = await CibStore.open({ stateDir: ${JSON.stringify(dir)}, beforeRename: () => process.kill(process.pid, "SIGKILL") });
      await store.update((cib) => cib.children[0].children[2].children.push({ name: "primitive", attrs: { id: "d2", class: "ocf", provider: "pacemaker", type: "Dummy" }, children: [], line: 0 }));
    `;
    const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.equal(res.signal, "SIGKILL", res.stderr);
    const leftovers = (await readdir(join(dir, "cib"))).filter((n) => n.includes(".tmp-"));
    assert.equal(leftovers.length, 1, "the killed writer left its temporary file");
    assert.match(await readFile(join(dir, "cib", leftovers[0]), "utf8"), /id="d2"/);
    assert.equal(await readFile(join(dir, "cib", "cib.xml"), "utf8"), stored);

    // A half-written temporary file (a crash during the write itself) is just as harmless.
    await writeFile(join(dir, "cib", "cib.xml.tmp-99999-1"), stored.slice(0, 40));
    const logs: string[] = [];
    const again = await open(dir, { log: (m) => logs.push(m) });
    assert.equal(again.text(), stored);
    assert.deepEqual(again.version, v(0, 1, 0));
    assert.match(logs.join("\n"), /removed 2 unfinished write\(s\) left by a crash/);
    assert.deepEqual((await readdir(join(dir, "cib"))).filter((n) => n.includes(".tmp-")), []);
    assert.deepEqual((await again.update(addDummy("d2"))).version, v(0, 2, 0));
    await again.close();
  });

  test("a stored CIB that does not parse or validate stops the start with a clear error", async () => {
    const dir = await stateDir();
    const store = await open(dir);
    await store.update(addDummy("d1"));
    await store.update(addDummy("d2"));
    await store.close();
    const path = join(dir, "cib", "cib.xml");
    const good = await readFile(path, "utf8");

    await writeFile(path, good.replace("</resources>", "</resource>"));
    await assert.rejects(open(dir), (e: unknown) => e instanceof CibLoadError && /stored CIB is unreadable: .*cib\.xml:\d+:\d+: /.test(e.message) && /cp .*cib-1\.raw .*cib\.xml/.test(e.message));

    await writeFile(path, good.replace('id="d2"', 'id="d1"'));
    await assert.rejects(open(dir), /is invalid:\n  - <primitive id="d1"> \(line 7\): duplicate id "d1" \(first used by <primitive id="d1"> \(line 6\)\)/);
    // the failed starts released the lock
    await writeFile(path, good);
    (await open(dir)).close();
  });

  test("one store per state directory", async () => {
    const dir = await stateDir();
    const store = await open(dir);
    await assert.rejects(open(dir), (e: unknown) => e instanceof StateLockedError && e.pid === process.pid);
    await store.close();
    await (await open(dir)).close();
    // a lock left by a dead process is taken over
    await writeFile(join(dir, "cib", "lock"), "999999999\n");
    await (await open(dir)).close();
  });

  test("commit listeners see each committed CIB", async () => {
    const store = await open(await stateDir());
    const seen: string[] = [];
    store.onCommit((cib, r) => seen.push(`${r.kind}:${formatVersion(r.version)}:${cib.attrs.epoch}`));
    await store.update(addDummy("d1"));
    await store.update(addNodeState("n1"));
    await store.update(() => undefined);
    assert.deepEqual(seen, ["configuration:0:1:0:1", "status:0:1:1:1"]);
    await store.close();
  });

  test("concurrent updates are applied one after the other", async () => {
    const store = await open(await stateDir());
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.update(addDummy(`d${i}`))));
    assert.deepEqual(store.version, v(0, 8, 0));
    assert.equal(section(store.snapshot(), "resources").children.length, 8);
    await store.close();
  });

  const crmSimulate = ["/usr/sbin/crm_simulate", "/usr/bin/crm_simulate"].find(existsSync);
  test("Pacemaker's crm_simulate reads the stored CIB", { skip: crmSimulate ? false : "crm_simulate is not installed" }, async () => {
    const store = await open(await stateDir());
    await store.update((cib) => {
      section(cib, "crm_config").children.push(
        element("cluster_property_set", { id: "opts" }, [element("nvpair", { id: "opts-stonith", name: "stonith-enabled", value: "false" })]),
      );
      section(cib, "nodes").children.push(element("node", { id: "1", uname: "node1" }));
      addDummy("d1")(cib);
    });
    await store.update((cib) => section(cib, "status").children.push(element("node_state", { id: "1", uname: "node1", in_ccm: "true", crmd: "online", join: "member", expected: "member" })));
    const out = execFileSync(crmSimulate!, ["-x", store.path, "-S"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    assert.match(out, /Online: \[ node1 \]/);
    assert.match(out, /\* Start\s+d1\s+\(\s*node1\s*\)/);
    await store.close();
  });
});

const corpus = "/work/shared/conformance/scheduler/xml";
test("every Pacemaker regression CIB passes the structural checks", { skip: existsSync(corpus) ? false : `${corpus} is absent` }, async () => {
  const failures: string[] = [];
  for (const name of readdirSync(corpus).filter((n) => n.endsWith(".xml"))) {
    const problems = structuralProblems(parseXml(await readFile(join(corpus, name), "utf8"), name));
    if (problems.length > 0) failures.push(`${name}: ${problems.map((p) => p.message).join("; ")}`);
  }
  assert.deepEqual(failures, []);
});
