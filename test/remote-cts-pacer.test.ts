// Pacemaker's cts-exec executor cases against pacer's server over real TLS on loopback,
// running the real agents (ocf:pacemaker:Dummy, ocf:heartbeat:Dummy) and an LSB script.
import { describe, test, before, after } from "node:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Executor, defaultPaths } from "../src/executor/index.js";
import { RemoteServer } from "../src/remote/server.js";
import { KeyStore } from "../src/remote/psk.js";
import { ctsExecCases, Session, type Target } from "./helpers/cts-exec.js";
import { LSB_SCRIPT, writeLsbScript } from "./helpers/lsb.js";

const skip = !existsSync("/usr/lib/ocf/resource.d/pacemaker/Dummy") && "ocf:pacemaker:Dummy is not installed";

describe("cts-exec cases against pacer-remoted's server", { skip }, () => {
  let dir: string;
  let executor: Executor;
  let server: RemoteServer;
  let target: Target;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "pacer-cts-"));
    writeLsbScript(dir, dir);
    executor = new Executor({ paths: { ...defaultPaths, lsbDir: dir } });
    const key = randomBytes(256);
    server = new RemoteServer({ executor, keys: KeyStore.fromKey(key), host: "127.0.0.1", port: 0 });
    const { port } = await server.listen();
    target = { host: "127.0.0.1", port, key, stateDir: dir, lsbScript: LSB_SCRIPT };
  });
  after(async () => {
    await server.close();
    executor.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, run] of Object.entries(ctsExecCases)) {
    test(name, async () => {
      const s = await Session.open(target, `cts-${name}`);
      try {
        await run(target, s);
      } finally {
        s.close();
      }
    });
  }
});
