// Checks src/cib/digest.ts against the real Pacemaker 2.1.5 binaries over a directory of
// scheduler cases (default ../shared/conformance/scheduler, or $PACER_CONFORMANCE_DIR):
//
//  1. recorded: every fake result `crm_simulate -S -O` writes must carry the op-digest that
//     recordDigests() computes from the graph action's parameters (`-G`);
//  2. expected: for every resource and node with history, `crm_resource --digests` prints
//     the digests the scheduler calculates from the current definition; expectedDigests()
//     must give the same, from the configured parameters and the history record used.
//
// The configuration is read simply (no rules, no bundles): resources that need more are
// counted as skipped. Run: node dist/tools/check-digests.js [--only NAME...]
// It takes a few minutes (one crm_resource call per resource and node).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseXml, walk, type XmlElement } from "../src/cib/xml.js";
import { expectedDigests, recordDigests, type Params } from "../src/cib/digest.js";
import { readGraphXml } from "../src/scheduler/graph/read.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = process.env.PACER_CONFORMANCE_DIR ?? resolve(ROOT, "..", "shared", "conformance", "scheduler");
const only = process.argv.slice(2).filter((a) => a !== "--only");
const counts = new Map<string, number>();
const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
const examples: string[] = [];

function run(cmd: string, args: string[], env: Record<string, string> = {}): { status: number; stdout: string } {
  const r = spawnSync(cmd, args, { env: { ...process.env, LC_ALL: "C", ...env }, encoding: "utf8", maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout ?? "" };
}

function ms(text: string | undefined): number | undefined {
  const m = /^\s*(\d+)\s*(ms|msec|s|sec|m|min|h|hr)?\s*$/.exec(text ?? "");
  if (!m) return undefined;
  const unit: Record<string, number> = { ms: 1, msec: 1, s: 1000, sec: 1000, m: 60000, min: 60000, h: 3600000, hr: 3600000 };
  return Number(m[1]) * unit[m[2] ?? "s"];
}

/** nvpairs of rule-less sets, first value wins; undefined if a set has rules. */
function plainSets(el: XmlElement | undefined, tag: string): Params | undefined {
  const out: Params = {};
  for (const set of el?.children ?? []) {
    if (set.name !== tag) continue;
    if (set.children.some((c) => c.name === "rule")) return undefined;
    for (const nv of set.children) {
      if (nv.name === "nvpair" && nv.attrs.value !== "#default" && !(nv.attrs.name in out)) out[nv.attrs.name] = nv.attrs.value;
    }
  }
  return out;
}

function checkRecorded(name: string, xmlPath: string): void {
  const tmp = mkdtempSync(join(tmpdir(), "pacer-digests-"));
  try {
    run("crm_simulate", ["-x", xmlPath, "-S", "-G", join(tmp, "g.xml"), "-O", join(tmp, "o.xml")]);
    if (!existsSync(join(tmp, "o.xml"))) return void bump("recorded: crm_simulate failed");
    const actions = readGraphXml(readFileSync(join(tmp, "g.xml"), "utf8")).synapses.flatMap((s) => s.actions).filter((a) => a.kind === "rsc_op");
    for (const state of walk(parseXml(readFileSync(join(tmp, "o.xml"), "utf8")))) {
      if (state.name !== "node_state") continue;
      for (const op of walk(state)) {
        if (op.name !== "lrm_rsc_op" || op.attrs["crm-debug-origin"] !== "crm_simulate" || op.attrs["call-id"] === undefined) continue;
        const candidates = actions.filter((a) => a.onNode === state.attrs.uname && a.primitive && recordedKey(a.primitive.id, a.operation, a.attributes) === op.attrs.id);
        if (candidates.length === 0) continue; // recorded by an earlier run, not by this one
        const ok = candidates.some((a) => recordDigests(a.attributes)["op-digest"] === op.attrs["op-digest"]);
        bump(ok ? "recorded: match" : "recorded: MISMATCH");
        if (!ok && examples.length < 20) examples.push(`recorded ${name} ${state.attrs.uname} ${op.attrs.id}`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function recordedKey(rsc: string, task: string, p: Params): string {
  const interval = p.CRM_meta_interval ?? "0";
  if (task === "notify") return `${rsc}_${p.CRM_meta_notify_type}_notify_${p.CRM_meta_notify_operation}_0`;
  if (interval !== "0" || task === "migrate_to" || task === "migrate_from") return `${rsc}_${task}_${interval}`;
  return `${rsc}_last_0`;
}

function checkExpected(name: string, xmlPath: string, cib: XmlElement): void {
  const parents = new Map<XmlElement, XmlElement[]>();
  const primitives = new Map<string, XmlElement>();
  const visit = (el: XmlElement, chain: XmlElement[]) => {
    for (const c of el.children) {
      if (c.name === "primitive" && c.attrs.id) {
        primitives.set(c.attrs.id, c);
        parents.set(c, chain);
      }
      visit(c, [c, ...chain]);
    }
  };
  visit(cib, []);
  const opDefaults = plainSets([...walk(cib)].find((e) => e.name === "op_defaults"), "meta_attributes") ?? {};
  for (const state of walk(cib)) {
    if (state.name !== "node_state" || !state.attrs.uname) continue;
    for (const history of walk(state)) {
      if (history.name !== "lrm_resource" || !history.children.some((c) => c.name === "lrm_rsc_op")) continue;
      const out = run("crm_resource", ["--digests", "-r", history.attrs.id, "-N", state.attrs.uname, "--output-as=xml"], { CIB_file: xmlPath });
      if (out.status !== 0) { bump("expected: skipped (crm_resource failed)"); continue; }
      let result: XmlElement;
      try {
        result = parseXml(out.stdout);
      } catch {
        bump("expected: skipped (crm_resource wrote invalid XML)");
        continue;
      }
      const digests = result.children.find((c) => c.name === "digests");
      if (!digests) continue;
      const used = digests.attrs.resource ?? history.attrs.id;
      const primitive = primitives.get(used.split(":")[0]);
      if (!primitive || primitive.attrs.template || parents.get(primitive)!.some((p) => p.name === "bundle")) { bump("expected: skipped (template, bundle or implicit resource)"); continue; }
      const params = plainSets(primitive, "instance_attributes");
      if (!params) { bump("expected: skipped (rules in parameters)"); continue; }
      for (const p of parents.get(primitive)!) {
        if (p.name !== "group" && p.name !== "clone" && p.name !== "master") continue;
        const inherited = plainSets(p, "instance_attributes") ?? {};
        for (const [k, v] of Object.entries(inherited)) if (!(k in params)) params[k] = v;
      }
      const task = digests.attrs.task;
      const interval = Number.parseInt(digests.attrs.interval, 10);
      // crm_resource may map the history entry to another clone instance, and then which
      // record it used (if any) cannot be told from outside.
      if (used !== history.attrs.id && used.split(":")[0] !== history.attrs.id) { bump("expected: skipped (clone instance renumbered by crm_resource)"); continue; }
      // An anonymous clone instance kept under the bare id: crm_resource finds no record.
      const source = used === history.attrs.id ? history : undefined;
      const records = history.children.filter((o) => o.name === "lrm_rsc_op" && o.attrs.operation === task && Number(o.attrs.interval ?? "0") === interval);
      const signature = (o: XmlElement) => [o.attrs["op-restart-digest"] !== undefined, o.attrs["op-force-restart"], o.attrs.crm_feature_set, o.attrs["op-secure-params"]].join("|");
      if (records.length === 0 || new Set(records.map(signature)).size > 1) { bump("expected: skipped (cannot tell which record crm_resource used)"); continue; }
      let opsEl = primitive.children.find((c) => c.name === "operations");
      const ref = opsEl?.attrs["id-ref"];
      if (ref) opsEl = [...walk(cib)].find((e) => e.name === "operations" && e.attrs.id === ref);
      const op = [...(opsEl ? walk(opsEl) : [])].find((o) => o.name === "op" && o.attrs.name === task && ms(o.attrs.interval ?? "0") === interval);
      const timeoutMs = interval === 0 ? undefined : ms(op?.attrs.timeout ?? plainSets(op, "meta_attributes")?.timeout ?? opDefaults.timeout ?? "20s");
      const mine = expectedDigests({ params, opParams: plainSets(op, "instance_attributes"), intervalMs: interval, timeoutMs, fencing: primitive.attrs.class === "stonith", recorded: source ? records[0].attrs : undefined });
      const theirs: Record<string, string> = {};
      for (const d of digests.children) theirs[d.attrs.type] = d.attrs.hash;
      const compare = (kind: string, a: string | undefined, b: string | undefined) => {
        bump(a === b ? `expected ${kind}: match` : `expected ${kind}: MISMATCH`);
        if (a !== b && examples.length < 20) examples.push(`expected ${kind} ${name} ${history.attrs.id}@${state.attrs.uname} ${task}/${interval}: pacemaker ${b} pacer ${a}`);
      };
      compare("op-digest", mine.all, theirs.all);
      compare("secure", mine.secure, theirs.nonprivate);
      // Pacemaker compares restart digests only when the record has one. crm_resource cannot
      // find the record of an anonymous clone instance kept under the bare id: then it shows none.
      if (source && records[0].attrs["op-restart-digest"] !== undefined) {
        if (theirs.nonreloadable === undefined) bump("expected restart: skipped (crm_resource found no record)");
        else compare("restart", mine.restart, theirs.nonreloadable);
      }
    }
  }
}

if (!existsSync(join(dir, "xml"))) {
  process.stdout.write(`check-digests: no cases at ${dir}\n`);
  process.exit(0);
}
for (const file of readdirSync(join(dir, "xml")).sort()) {
  const name = file.replace(/\.xml$/, "");
  if (only.length > 0 && !only.includes(name)) continue;
  const path = join(dir, "xml", file);
  checkRecorded(name, path);
  checkExpected(name, path, parseXml(readFileSync(path, "utf8"), file));
}
for (const [k, v] of [...counts].sort()) process.stdout.write(`${k.padEnd(70)} ${v}\n`);
for (const e of examples) process.stdout.write(`  ${e}\n`);
