#!/usr/bin/env node
// pacerd: the cluster controller daemon. Single-host mode (this host is the only cluster
// node and the DC); it keeps the CIB under the state directory and serves the local API
// that the `pacer` CLI uses. Runs in the foreground; SIGTERM/SIGINT stop it cleanly.
import { Daemon } from "../controller/daemon.js";
import { DEFAULT_STATE_DIR, CibLoadError } from "../controller/cib-store.js";
import { DEFAULT_SOCKET } from "../controller/api-protocol.js";
import { StateLockedError } from "../controller/state-lock.js";
import { ClusterError } from "../cluster/cluster-layer.js";

const USAGE = `usage: pacerd [--state-dir DIR] [--socket PATH] [--node-name NAME] [--stop-resources-on-exit]

  --state-dir DIR            where the CIB is kept (default ${DEFAULT_STATE_DIR}; env PACER_STATE_DIR)
  --socket PATH              the local API socket (default ${DEFAULT_SOCKET}; env PACER_SOCKET)
  --node-name NAME           this node's name (default: uname -n)
  --stop-resources-on-exit   on SIGTERM/SIGINT, stop every resource before exiting (default:
                             leave them running; a restarted pacerd finds them through probes)
`;
const EXIT_USAGE = 64;
const EXIT_CONFIG = 78;

async function main(argv: string[]): Promise<number> {
  let stateDir = process.env.PACER_STATE_DIR || undefined;
  let socketPath = process.env.PACER_SOCKET || undefined;
  let nodeName: string | undefined;
  let stopResources = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "-h" || a === "--help") {
      process.stdout.write(USAGE);
      return 0;
    } else if (a === "--state-dir") stateDir = value();
    else if (a === "--socket") socketPath = value();
    else if (a === "--node-name") nodeName = value();
    else if (a === "--stop-resources-on-exit") stopResources = true;
    else throw new UsageError(`unknown argument '${a}'`);
  }
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({ stateDir, socketPath, nodeName });
  } catch (err) {
    if (err instanceof CibLoadError || err instanceof StateLockedError || err instanceof ClusterError) {
      process.stderr.write(`pacerd: cannot start: ${err.message}\n`);
      return EXIT_CONFIG;
    }
    throw err;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`pacerd: ${signal}: stopping${stopResources ? " (stopping all resources first)" : " (resources keep running)"}\n`);
      daemon.stop({ stopResources }).then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`pacerd: stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("SIGINT", () => onSignal("SIGINT"));
  });
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`pacerd: ${err.message}\n${USAGE}`);
      process.exit(EXIT_USAGE);
    }
    process.stderr.write(`pacerd: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(70);
  },
);
