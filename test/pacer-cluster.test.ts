// The end-to-end harness itself (test/helpers/pacer-cluster.ts): pacerd really runs inside
// the namespace, the CLI reaches it, and destroy() leaves nothing behind — also when a
// container is still running and when the owner of a sandbox died without cleaning up.
import { test, describe as suite } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { clusterSkip, PacerCluster } from "./helpers/pacer-cluster.js";
import { NSCONTAINER_AGENT, PACER_ROOT, reapOrphans } from "../src/cli/sandbox/sandbox.js";

const SKIP = clusterSkip();

function netnsList(): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter(Boolean);
}

function agent(action: string, env: Record<string, string>, netns: string): Promise<{ rc: number; stderr: string }> {
  const full: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin:/usr/sbin:/sbin", OCF_ROOT: "/usr/lib/ocf", OCF_RESKEY_CRM_meta_timeout: "30000" };
  for (const [k, v] of Object.entries(env)) full[`OCF_RESKEY_${k}`] = v;
  return new Promise((resolve) =>
    execFile("nsenter", [`--net=/run/netns/${netns}`, NSCONTAINER_AGENT, action], { env: full, timeout: 60_000 }, (err, _o, stderr) =>
      resolve({ rc: err ? Number((err as { code?: number }).code ?? -1) : 0, stderr }),
    ),
  );
}

suite("PacerCluster harness", { skip: SKIP, timeout: 120_000 }, () => {
  test("pacerd runs in the namespace and answers the CLI; destroy() removes pacerd, containers, namespaces, bridge and directory", async () => {
    const c = await PacerCluster.start();
    try {
      const pid = c.box.pacerdPid!;
      assert.ok(pid > 0);
      assert.equal(readlinkSync(`/proc/${pid}/ns/net`), `net:[${statSync(`/run/netns/${c.box.netns}`).ino}]`, "pacerd lives in the sandbox's namespace");
      assert.match(c.box.inHost("ip", ["-o", "-4", "addr", "show", "dev", c.box.bridge]), /inet 10\.213\.0\.1\/16/);
      assert.equal(statSync(c.box.authkey).size, 256, "pacer authkey generate wrote the key");
      assert.equal(statSync(c.box.authkey).mode & 0o777, 0o640);

      const shown = await c.pacerOk("cib", "show");
      assert.match(shown, /<node id="1" uname="node1"\/>/);
      const s = await c.status();
      assert.deepEqual(s.nodes.map((n) => [n.name, n.type, n.online, n.dc]), [["node1", "cluster", true, true]]);
      const refused = await c.pacer("constraint", "location", "add", "ghost", "node1", "10");
      assert.equal(refused.rc, 1);

      // A container outside pacerd's knowledge (as after a crash): destroy() must stop it too.
      const params = c.box.containerParams("stray", 7);
      const started = await agent("start", params, c.box.netns);
      assert.equal(started.rc, 0, started.stderr);
      const init = c.box.containerInitPid("stray");
      assert.ok(init, "the stray container runs");
      assert.ok(netnsList().includes(`pacer-${params.name}`));

      assert.ok(existsSync(c.box.runDir), "the sandbox has a directory under the host's /run");
      const problems = await c.destroy();
      assert.deepEqual(problems, []);
      assert.equal(existsSync(`/proc/${pid}`), false, "pacerd is gone");
      assert.equal(existsSync(`/proc/${init}`), false, "the container is gone");
      assert.equal(existsSync(`/run/pacer/nscontainer/${params.name}`), false);
      const left = netnsList();
      assert.equal(left.includes(c.box.netns), false, "the host namespace is deleted");
      assert.equal(left.includes(`pacer-${params.name}`), false, "the container's namespace is deleted");
      assert.equal(existsSync(c.box.dir), false, "the directory is removed");
      assert.equal(existsSync(c.box.runDir), false, "and its directory under /run");
      assert.deepEqual(await c.destroy(), [], "destroy() twice is harmless");
    } finally {
      await c.destroy();
    }
  });

  test("a sandbox whose owner died is reaped by the next one", async () => {
    // A child process makes a cluster and is SIGKILLed before it can clean up.
    const script = `import { PacerCluster } from ${JSON.stringify(join(PACER_ROOT, "dist", "test", "helpers", "pacer-cluster.js"))};
      const c = await PacerCluster.start();
      process.stdout.write(JSON.stringify({ netns: c.box.netns, dir: c.box.dir, pacerd: c.box.pacerdPid }) + "\\n");
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve(out.split("\n")[0]);
      });
      child.once("exit", (code) => reject(new Error(`the child exited (${code}) before reporting`)));
    });
    const made = JSON.parse(line) as { netns: string; dir: string; pacerd: number };
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.ok(netnsList().includes(made.netns), "the dead owner left its namespace");
    assert.ok(existsSync(`/proc/${made.pacerd}`), "and its pacerd running");
    await reapOrphans();
    assert.equal(netnsList().includes(made.netns), false, "reaped: namespace");
    assert.equal(existsSync(made.dir), false, "reaped: directory");
    for (let i = 0; i < 50 && existsSync(`/proc/${made.pacerd}`); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(existsSync(`/proc/${made.pacerd}`) && !readFileSync(`/proc/${made.pacerd}/stat`, "utf8").includes(") Z "), false, "reaped: pacerd");
  });
});
