// The README's quickstart, `pacer demo`, run as a user would (bounded): it must reach the
// point where both guests are online with their Dummy running and show that status, and on
// SIGTERM stop everything and leave no namespace, container, process or directory behind.
import { test, after, describe as suite } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { clusterSkip } from "./helpers/pacer-cluster.js";
import { PACER_JS, reapOrphans } from "../src/cli/sandbox/sandbox.js";

const SKIP = clusterSkip();

function netnsList(): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter(Boolean);
}

suite("pacer demo (the README quickstart)", { skip: SKIP, timeout: 240_000 }, () => {
  let demo: ChildProcess | undefined;
  after(async () => {
    if (demo && demo.exitCode === null && demo.signalCode === null) demo.kill("SIGKILL");
    // If the demo died without cleaning up, its leftovers are orphans now.
    await reapOrphans();
  });

  test("two guests with a Dummy each run and are shown; SIGTERM stops them and removes everything", async () => {
    const child = spawn(process.execPath, [PACER_JS, "demo", "--timeout", "120"], { stdio: ["ignore", "pipe", "pipe"] });
    demo = child;
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    // Up and shown: the line that invites Ctrl-C comes after the status.
    const deadline = Date.now() + 150_000;
    while (!out.includes("press Ctrl-C") && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(out.includes("press Ctrl-C"), `the demo did not come up:\n${out}\n${err}`);
    assert.match(out, /demo: everything runs after [\d.]+ s:/, out);
    const status = out.slice(out.indexOf("Cluster Summary:"));
    assert.match(status, /\* Online: \[ node1 \]/);
    assert.match(status, /\* GuestOnline: \[ guest1 guest2 \]/);
    for (const i of [1, 2]) {
      assert.match(status, new RegExp(`guest${i}-ctr\\t\\(ocf:pacer:nscontainer\\):\\t Started node1`));
      assert.match(status, new RegExp(`guest${i}-dummy\\t\\(ocf:pacemaker:Dummy\\):\\t Started guest${i}`));
    }
    assert.doesNotMatch(status, /Failed Resource Actions/);

    const tag = /demo: sandbox (pcs[0-9a-z]+-\d+): network namespace/.exec(out)?.[1];
    const dir = /directory (\S+)\n/.exec(out)?.[1];
    assert.ok(tag && dir, out);
    const containers = [1, 2].map((i) => `${tag}-guest${i}`);
    const inits = containers.map((c) => Number(readFileSync(`/run/pacer/nscontainer/${c}/init`, "utf8").split(" ")[0]));
    // The Dummy's state is in the guest's own /run.
    assert.equal(execFileSync("nsenter", ["-t", String(inits[0]), "-a", "sh", "-c", "ls /run/Dummy-guest1-dummy.state"], { encoding: "utf8" }).trim(), "/run/Dummy-guest1-dummy.state");
    const pacerdPid = Number(/pacerd runs as pid (\d+)/.exec(out)?.[1]);
    assert.ok(existsSync(`/proc/${pacerdPid}`));

    child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<string>((r) => (timer = setTimeout(() => r("still running"), 90_000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, `exit ${code}\n${out}\n${err}`);
    assert.match(out, /demo: SIGTERM: stopping/);
    assert.match(out, /all resources stopped/, "the resources were stopped through the cluster, not just killed");
    assert.match(out, new RegExp(`removed namespace ${tag}, bridge`));

    assert.equal(existsSync(`/proc/${pacerdPid}`), false, "pacerd is gone");
    for (const pid of inits) assert.equal(existsSync(`/proc/${pid}`), false, `container init ${pid} is gone`);
    for (const c of containers) assert.equal(existsSync(`/run/pacer/nscontainer/${c}`), false, `${c}'s state is removed`);
    assert.deepEqual(netnsList().filter((n) => n.includes(tag!)), [], "no namespace of the demo is left");
    assert.equal(existsSync(dir!), false, "the directory is removed");
  });
});
