// What an action of a resource turns into before anything runs: either a process to start
// (file, arguments, environment, and how to read its exit status), or an immediate result
// when the agent cannot run at all (missing, unsupported class, systemd absent).
import { accessSync, constants, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ExecStatus, OcfRc } from "./codes.js";
import { prepareOcf } from "./ocf.js";
import { prepareLsb } from "./lsb.js";
import { prepareSystemd, systemdRunning } from "./systemd.js";

export interface ResourceSpec {
  id: string;
  /** Resource class: ocf, lsb, service, systemd (stonith is not run by this executor). */
  class: string;
  provider?: string;
  type: string;
}

export interface AgentPaths {
  /** Directories holding OCF providers (each has PROVIDER/TYPE scripts). */
  ocfRaPath: string[];
  /** Value of OCF_ROOT given to agents (they source $OCF_ROOT/lib/heartbeat/...). */
  ocfRoot: string;
  /** Directory of LSB init scripts. */
  lsbDir: string;
  /** Whether systemd manages this host; checked per action, it can change. */
  systemdRunning?: () => boolean;
}

// pacer's own agents (agents/ocf in the checkout or package; dist/src/executor → root) come
// before the system's, so provider "pacer" always means the agent shipped with this pacer.
// PACER_OCF_RA_PATH replaces the whole list (see agents/README.md).
const OWN_AGENTS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "agents", "ocf");

export function ocfSearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env.PACER_OCF_RA_PATH?.split(":").filter((d) => d !== "");
  return fromEnv && fromEnv.length > 0 ? fromEnv : [OWN_AGENTS, "/usr/lib/ocf/resource.d"];
}

export const defaultPaths: AgentPaths = {
  ocfRaPath: ocfSearchPath(),
  ocfRoot: "/usr/lib/ocf",
  lsbDir: "/etc/init.d",
};

export interface SpawnPlan {
  kind: "spawn";
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Turn the agent's exit status into an OCF code (LSB status codes differ, for instance). */
  mapExit(code: number): number;
  /** The action name the agent is given (e.g. LSB monitor runs as "status"). */
  agentAction: string;
}

export interface ImmediateResult {
  kind: "result";
  rc: number;
  status: number;
  reason: string;
}

export type Invocation = SpawnPlan | ImmediateResult;

// Reading process.env goes through a slow accessor per variable; agents get a snapshot taken
// once (refreshed if the daemon changes its own environment through daemonEnv()).
let envSnapshot: Record<string, string> | undefined;
let envSource: NodeJS.ProcessEnv | undefined;

/** The daemon's environment, as every agent inherits it. */
export function daemonEnv(): Record<string, string> {
  if (!envSnapshot || envSource !== process.env) {
    envSnapshot = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) envSnapshot[k] = v;
    envSource = process.env;
  }
  return envSnapshot;
}

export function notInstalled(reason: string): ImmediateResult {
  return { kind: "result", rc: OcfRc.NOT_INSTALLED, status: ExecStatus.NOT_INSTALLED, reason };
}

/** An executable regular file, or undefined. */
export function findExecutable(candidates: string[]): string | undefined {
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (existsSync(c)) return c;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Decide how to run `action` of `spec` with `params`. */
export function prepareAction(spec: ResourceSpec, action: string, params: Record<string, string>, paths: AgentPaths, intervalMs: number, timeoutMs: number): Invocation {
  const isSystemd = paths.systemdRunning ?? systemdRunning;
  switch (spec.class) {
    case "ocf":
      return prepareOcf(spec, action, params, paths);
    case "lsb":
      return prepareLsb(spec, action, paths);
    case "systemd":
      return prepareSystemd(spec, action, isSystemd(), timeoutMs);
    case "service": {
      // "service" means whatever init system the host uses: systemd when it runs and knows
      // the unit, otherwise an LSB script of that name.
      if (isSystemd()) {
        const plan = prepareSystemd(spec, action, true, timeoutMs);
        if (plan.kind === "spawn") return plan;
      }
      return prepareLsb(spec, action, paths);
    }
    case "stonith":
      return { kind: "result", rc: OcfRc.UNIMPLEMENT_FEATURE, status: ExecStatus.NOT_SUPPORTED, reason: "fence devices are run by the fencer, not by the executor" };
    default:
      void intervalMs;
      return { kind: "result", rc: OcfRc.UNIMPLEMENT_FEATURE, status: ExecStatus.NOT_SUPPORTED, reason: `unknown resource class '${spec.class}'` };
  }
}
