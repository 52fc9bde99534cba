// The same cts-exec cases, now with pacer's client against the real pacemaker-remoted 2.1.5,
// running in its own network and mount namespace (its IPC names clash with nothing).
import { describe, test, before, after } from "node:test";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ctsExecCases, Session, type Target } from "./helpers/cts-exec.js";
import { LSB_SCRIPT, writeLsbScript } from "./helpers/lsb.js";
import { Netns, PACEMAKER_REMOTED, pacemakerRemotedSkipReason, waitForPort } from "./helpers/netns.js";

const skip = pacemakerRemotedSkipReason();

describe("cts-exec cases: pacer client against the real pacemaker-remoted 2.1.5", { skip }, () => {
  let dir: string;
  let ns: Netns | undefined;
  let target: Target;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "pacer-pmr-"));
    chmodSync(dir, 0o755);
    const lsbDir = join(dir, "init.d");
    const stateDir = join(dir, "state");
    for (const d of [lsbDir, stateDir]) {
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d, { recursive: true, mode: 0o755 });
    }
    writeLsbScript(lsbDir, stateDir);
    const key = randomBytes(256);
    writeFileSync(join(dir, "authkey"), key, { mode: 0o640 });
    ns = Netns.create("pmr");
    const { nsIp } = ns.linkToHost();
    const port = 3121;
    ns.spawn(PACEMAKER_REMOTED, [], {
      env: { ...process.env, PCMK_authkey_location: join(dir, "authkey"), PCMK_remote_port: String(port), PCMK_logfile: join(dir, "remoted.log"), PCMK_debug: "no" },
      logFile: join(dir, "remoted.out"),
      binds: [[lsbDir, "/etc/init.d"]],
    });
    await waitForPort(nsIp, port, 15_000, "pacemaker-remoted");
    target = { host: nsIp, port, key, stateDir, lsbScript: LSB_SCRIPT };
  });
  after(async () => {
    await ns?.destroy();
    if (process.env.PACER_KEEP_TEST_DIRS) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, run] of Object.entries(ctsExecCases)) {
    test(name, async () => {
      const s = await Session.open(target, `cts-${name}`);
      try {
        await run(target, s);
      } catch (err) {
        const log = join(dir, "remoted.log");
        if (existsSync(log)) process.stderr.write(`--- pacemaker-remoted log tail ---\n${readFileSync(log, "utf8").split("\n").slice(-30).join("\n")}\n`);
        throw err;
      } finally {
        s.close();
      }
    });
  }
});
