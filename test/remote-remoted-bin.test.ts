// The pacer-remoted program itself: environment, logging, key checks, SIGTERM.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RemoteClient } from "../src/remote/client.js";
import { ExecutorError, Errno } from "../src/executor/index.js";
import { Session } from "./helpers/cts-exec.js";
import { Netns, netnsSkipReason, waitForPort } from "./helpers/netns.js";
import { until } from "./helpers/wait.js";

const BIN = new URL("../src/cli/remoted.js", import.meta.url).pathname;
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "pacer-remoted-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("refuses a key over 512 bytes at start, saying why and how to make one that works", () => {
  const keyFile = join(dir, "big.key");
  writeFileSync(keyFile, randomBytes(4096));
  const r = spawnSync(process.execPath, [BIN], { env: { ...process.env, PCMK_authkey_location: keyFile, PCMK_remote_port: "1", PCMK_logfile: "none" }, encoding: "utf8", timeout: 10_000 });
  assert.equal(r.status, 78);
  assert.match(r.stderr, /4096 bytes/);
  assert.match(r.stderr, /at most 512 bytes/);
  assert.match(r.stderr, /pacer authkey generate/);
});

test("rejects unknown arguments with usage", () => {
  const r = spawnSync(process.execPath, [BIN, "--bogus"], { encoding: "utf8", timeout: 10_000 });
  assert.equal(r.status, 64);
  assert.match(r.stderr, /unknown argument '--bogus'/);
});

const nsSkip = netnsSkipReason();

test("serves Dummy over TLS in its own namespace, logs a key mismatch by name, exits on SIGTERM", { skip: nsSkip }, async () => {
  const key = randomBytes(256);
  const keyFile = join(dir, "authkey");
  writeFileSync(keyFile, key, { mode: 0o640 });
  const logFile = join(dir, "remoted.log");
  const ns = Netns.create("bin");
  try {
    const { nsIp } = ns.linkToHost();
    const port = 31337;
    const proc = ns.spawn(process.execPath, [BIN], {
      env: { ...process.env, PCMK_authkey_location: keyFile, PCMK_remote_port: String(port), PCMK_remote_address: nsIp, PCMK_logfile: logFile, PCMK_debug: "yes" },
      logFile: join(dir, "remoted.out"),
    });
    const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    await waitForPort(nsIp, port, 15_000, "pacer-remoted");
    const s = await Session.open({ host: nsIp, port, key, stateDir: dir }, "bin-test");
    await s.client.register({ id: "d1", class: "ocf", provider: "heartbeat", type: "Dummy" });
    // No state parameter: the Dummy keeps its state under the guest's private /run.
    assert.equal((await s.run({ rscId: "d1", action: "start" })).rc, 0);
    assert.equal((await s.run({ rscId: "d1", action: "monitor" })).rc, 0);
    assert.ok(!existsSync("/run/resource-agents/Dummy-d1.state"), "state lives in the namespace's /run, not the host's");
    const inGuest = spawnSync("nsenter", ["-t", String(proc.pid), "-m", "--", "test", "-f", "/run/resource-agents/Dummy-d1.state"]);
    assert.equal(inGuest.status, 0, "the state file is in the guest's /run");

    const wrong = new RemoteClient({ host: nsIp, port, key: randomBytes(256), name: "intruder" });
    await assert.rejects(wrong.connect(), (e: unknown) => e instanceof ExecutorError && e.code === Errno.EKEYREJECTED && /key mismatch/.test(e.message));
    await until(() => /pre-shared key mismatch/.test(readFileSync(logFile, "utf8")), 5000, "the key-mismatch log line");
    assert.match(readFileSync(logFile, "utf8"), /debug: /, "PCMK_debug=yes turns on debug lines");

    // The session still works after the failed intruder.
    assert.equal((await s.run({ rscId: "d1", action: "stop" })).rc, 0);
    s.close();
    process.kill(proc.pid!, "SIGTERM");
    // Root of the spawned chain is `ip netns exec`, which execs down to node: same pid.
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 10_000))]);
    assert.equal(code, 0, "exited cleanly on SIGTERM");
    assert.match(readFileSync(logFile, "utf8"), /Received SIGTERM/);
  } finally {
    await ns.destroy();
  }
});

test("pacer-remoted runs without a namespace too (plain loopback, unprivileged port)", async () => {
  const key = randomBytes(128);
  const keyFile = join(dir, "authkey2");
  writeFileSync(keyFile, key, { mode: 0o640 });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn(process.execPath, [BIN, "-p", String(port)], { env: { ...process.env, PCMK_authkey_location: keyFile, PCMK_remote_address: "127.0.0.1", PCMK_logfile: "none" }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (b) => (stderr += b));
  const exited = new Promise<number | null>((r) => proc.once("exit", (c) => r(c)));
  try {
    await waitForPort("127.0.0.1", port, 10_000, "pacer-remoted");
    const s = await Session.open({ host: "127.0.0.1", port, key, stateDir: dir }, "plain");
    await s.client.poke(5000);
    s.close();
  } finally {
    proc.kill("SIGTERM");
  }
  assert.equal(await exited, 0);
  assert.match(stderr, /Listening on 127\.0\.0\.1 port/);
});
