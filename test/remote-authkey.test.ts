import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = new URL("../src/cli/main.js", import.meta.url).pathname;
const pacer = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 10_000 });

test("pacer authkey generate: 256 random bytes, mode 0640, no silent overwrite", () => {
  const dir = mkdtempSync(join(tmpdir(), "pacer-authkey-"));
  try {
    const file = join(dir, "sub", "authkey");
    let r = pacer("authkey", "generate", "--file", file);
    assert.equal(r.status, 0, r.stderr);
    const st = statSync(file);
    assert.equal(st.size, 256);
    assert.equal(st.mode & 0o777, 0o640);
    const first = readFileSync(file);
    r = pacer("authkey", "generate", "--file", file);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /already exists; use --force/);
    assert.deepEqual(readFileSync(file), first, "untouched without --force");
    r = pacer("authkey", "generate", "--file", file, "--force", "--size", "512");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(file).size, 512);
    assert.notDeepEqual(readFileSync(file), first);
    r = pacer("authkey", "generate", "--file", join(dir, "k2"), "--size", "4096");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /out of range.*512/);
    r = pacer("authkey", "rotate");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /expected 'generate'/);
    writeFileSync(join(dir, "x"), "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
