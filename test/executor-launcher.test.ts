// The agent launcher helper must behave exactly like Node's own spawn.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Spawner } from "../src/executor/spawner.js";
import { runWithNode, type ProcessResult } from "../src/executor/run-process.js";

const dir = mkdtempSync(join(tmpdir(), "pacer-launcher-"));
chmodSync(dir, 0o755);
const spawner = new Spawner();
after(() => {
  spawner.stop();
  rmSync(dir, { recursive: true, force: true });
});

const skip = !Spawner.available() && "perl is not installed";

function script(name: string, body: string): string {
  const f = join(dir, name);
  writeFileSync(f, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return f;
}

async function both(file: string, args: string[], env: NodeJS.ProcessEnv = { PATH: "/usr/bin:/bin", X: "1" }, timeoutMs = 5000): Promise<[ProcessResult, ProcessResult]> {
  const a = await spawner.run(file, args, { env, timeoutMs }).result;
  const b = await runWithNode(file, args, { env, timeoutMs }).result;
  return [a, b];
}

const essence = (r: ProcessResult) => ({ exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr, spawnError: r.spawnError?.code });

test("exit codes, stdout, stderr, arguments and environment match Node's spawn", { skip }, async () => {
  const f = script("echo", `echo "args:$*"; echo "x=$X" >&2; printf 'ü\\n'; exit 7`);
  const [a, b] = await both(f, ["one", "two words"]);
  assert.deepEqual(essence(a), essence(b));
  assert.deepEqual(essence(a), { exitCode: 7, signal: null, timedOut: false, stdout: "args:one two words\nü\n", stderr: "x=1\n", spawnError: undefined });
});

test("large output (300 KB) arrives whole", { skip }, async () => {
  const f = script("big", `head -c 300000 /dev/zero | tr '\\0' 'a'; echo done >&2`);
  const [a, b] = await both(f, []);
  assert.equal(a.stdout.length, 300000);
  assert.deepEqual(essence(a), essence(b));
});

test("missing and non-executable files are spawn errors with the errno name", { skip }, async () => {
  const [a, b] = await both(join(dir, "absent"), []);
  assert.equal(a.spawnError?.code, "ENOENT");
  assert.equal(b.spawnError?.code, "ENOENT");
  const nx = join(dir, "noexec");
  writeFileSync(nx, "#!/bin/sh\nexit 0\n", { mode: 0o644 });
  const [c, d] = await both(nx, []);
  assert.equal(c.spawnError?.code, "EACCES");
  assert.equal(d.spawnError?.code, "EACCES");
});

test("signals and timeouts: the group is killed, the result says so", { skip }, async () => {
  const f = script("selfkill", `kill -TERM $$`);
  const [a, b] = await both(f, []);
  assert.equal(a.signal, "SIGTERM");
  assert.deepEqual(essence(a), essence(b));
  const pidFile = join(dir, "bg.pid");
  const h = script("hang", `sleep 30 & echo $! > ${pidFile}; sleep 30`);
  const t0 = Date.now();
  const r = await spawner.run(h, [], { env: { PATH: "/usr/bin:/bin" }, timeoutMs: 300 }).result;
  assert.equal(r.timedOut, true);
  assert.ok(Date.now() - t0 < 3000);
  const pid = Number(readFileSync(pidFile, "utf8"));
  const alive = () => {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, "utf8");
      return st.slice(st.lastIndexOf(")") + 2, st.lastIndexOf(")") + 3) !== "Z";
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 100 && alive(); i++) await new Promise((res) => setTimeout(res, 20));
  assert.equal(alive(), false, "background child killed with the group");
});

test("each agent leads its own process group and session, with stdin closed", { skip }, async () => {
  const f = script("ids", `ps -o pid=,pgid=,sid= -p $$; cat; echo "stdin-eof"`);
  const r = await spawner.run(f, [], { env: { PATH: "/usr/bin:/bin" }, timeoutMs: 5000 }).result;
  const [pid, pgid, sid] = r.stdout.trim().split("\n")[0].trim().split(/\s+/);
  assert.equal(pid, pgid);
  assert.equal(pid, sid);
  assert.match(r.stdout, /stdin-eof/);
});

test("many agents in parallel all report, in any order", { skip }, async () => {
  const f = script("n", `echo "$1"`);
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => spawner.run(f, [String(i)], { env: { PATH: "/bin" }, timeoutMs: 10_000 }).result));
  assert.deepEqual(results.map((r) => r.stdout), Array.from({ length: 200 }, (_, i) => `${i}\n`));
});

test("runs as another user when asked (root only)", { skip: skip || (process.getuid?.() !== 0 && "needs root") }, async () => {
  const f = script("whoami", `id -u; id -g`);
  const r = await spawner.run(f, [], { env: { PATH: "/usr/bin:/bin" }, timeoutMs: 5000, uid: 65534, gid: 65534 }).result;
  assert.equal(r.stdout, "65534\n65534\n");
});
