import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SimulateRunner } from "../tools/conformance/runner.js";

test("the runner reports answers, errors and hangs, and carries on after a hang", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pacer-runner-"));
  const module = join(dir, "fake-simulate.mjs");
  writeFileSync(module, [
    "export function simulate(xml, opts) {",
    "  if (opts.fileName === 'hang.xml') for (;;) {}",
    "  if (opts.fileName === 'bad.xml') throw new TypeError('no such thing');",
    "  return { summary: `summary of ${xml} at ${opts.now}`, graphXml: '<transition_graph/>' };",
    "}",
  ].join("\n"));
  const runner = new SimulateRunner(400, pathToFileURL(module));
  try {
    const ok = await runner.run({ name: "ok", xmlText: "<cib/>", now: 7 });
    assert.ok(ok !== "hang" && ok.ok);
    assert.equal(ok.summary, "summary of <cib/> at 7");
    const t0 = Date.now();
    assert.equal(await runner.run({ name: "hang", xmlText: "<cib/>" }), "hang");
    assert.ok(Date.now() - t0 < 3000, "the budget is kept");
    const bad = await runner.run({ name: "bad", xmlText: "<cib/>" });
    assert.ok(bad !== "hang" && !bad.ok);
    assert.equal(bad.error, "TypeError: no such thing");
    const again = await runner.run({ name: "ok", xmlText: "<x/>" });
    assert.ok(again !== "hang" && again.ok && again.summary.startsWith("summary of <x/>"));
  } finally {
    await runner.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a simulate module that cannot be loaded makes every call a named error", async () => {
  const runner = new SimulateRunner(2000, new URL("file:///nonexistent/simulate.js"));
  try {
    const r = await runner.run({ name: "x", xmlText: "<cib/>" });
    assert.ok(r !== "hang" && !r.ok);
    assert.match(r.error, /nonexistent/);
  } finally {
    await runner.close();
  }
});
