#!/usr/bin/env node
// pacer-remoted: the executor served over TLS-PSK, a drop-in for Pacemaker's
// pacemaker-remoted. Configuration comes from the same environment variables.
import { mkdirSync } from "node:fs";
import { Executor } from "../executor/executor.js";
import { createLogger } from "../executor/log.js";
import { RemoteServer } from "../remote/server.js";
import { KeyStore, portFromEnv } from "../remote/psk.js";

const USAGE = `usage: pacer-remoted [-p PORT]

Serves this host's resource agents to a Pacemaker or pacer cluster over TLS-PSK.
Environment: PCMK_remote_port (default 3121), PCMK_remote_address (default: all addresses),
PCMK_authkey_location (default /etc/pacemaker/authkey), PCMK_logfile, PCMK_debug.
`;

const EXIT_CONFIG = 78; // Pacemaker's CRM_EX_CONFIG
const EXIT_USAGE = 64;

async function main(argv: string[]): Promise<number> {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      process.stdout.write(USAGE);
      return 0;
    } else if (a === "-p" || a === "--port") {
      const v = argv[++i];
      if (v === undefined) {
        process.stderr.write(`pacer-remoted: ${a} needs a port number\n${USAGE}`);
        return EXIT_USAGE;
      }
      process.env.PCMK_remote_port = v;
    } else {
      process.stderr.write(`pacer-remoted: unknown argument '${a}'\n${USAGE}`);
      return EXIT_USAGE;
    }
  }
  const log = createLogger({ name: "pacer-remoted" });
  // Agents (Dummy, for one) keep state under HA_RSCTMP, which Pacemaker's daemon creates.
  try {
    mkdirSync("/run/resource-agents", { recursive: true, mode: 0o1755 });
  } catch (err) {
    log.warn(`cannot create /run/resource-agents: ${(err as Error).message}`);
  }
  const executor = new Executor({ logger: log });
  const server = new RemoteServer({
    executor,
    keys: KeyStore.fromEnv(),
    host: process.env.PCMK_remote_address || undefined,
    port: portFromEnv(process.env, (m) => log.warn(m)),
    logger: log,
  });
  try {
    await server.listen();
  } catch (err) {
    log.error(`Cannot start: ${(err as Error).message}`);
    return EXIT_CONFIG;
  }
  return new Promise<number>((resolve) => {
    let finished = false;
    server.on("exit", (code, reason) => {
      if (finished) return;
      finished = true;
      log.info(`Exiting: ${reason}`);
      executor.shutdown();
      void server.close().then(() => resolve(code));
    });
    const onSignal = (sig: string) => {
      log.info(`Received ${sig}`);
      server.requestShutdown();
    };
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("SIGINT", () => onSignal("SIGINT"));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pacer-remoted: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(70);
  },
);
