// OCF resource agents: a script per PROVIDER/TYPE, called with the action as its only
// argument, configured entirely through OCF_* environment variables.
import { join } from "node:path";
import { daemonEnv, findExecutable, notInstalled, type AgentPaths, type Invocation, type ResourceSpec } from "./agent.js";

export const EXIT_REASON_PREFIX = "ocf-exit-reason:";

/** The environment an OCF agent expects, on top of the daemon's own. */
export function ocfEnvironment(spec: ResourceSpec, params: Record<string, string>, paths: AgentPaths): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...daemonEnv() };
  for (const [name, value] of Object.entries(params)) {
    // OCF_CHECK_LEVEL is defined by the OCF standard under its own name; every other
    // parameter (including the CRM_meta_* meta-attributes) is an OCF_RESKEY_ variable.
    env[name === "OCF_CHECK_LEVEL" ? name : `OCF_RESKEY_${name}`] = value;
  }
  env.OCF_RA_VERSION_MAJOR = "1";
  env.OCF_RA_VERSION_MINOR = "1";
  env.OCF_ROOT = paths.ocfRoot;
  env.OCF_EXIT_REASON_PREFIX = EXIT_REASON_PREFIX;
  env.OCF_RESOURCE_INSTANCE = spec.id;
  env.OCF_RESOURCE_TYPE = spec.type;
  if (spec.provider !== undefined) env.OCF_RESOURCE_PROVIDER = spec.provider;
  return env;
}

export function locateOcf(spec: ResourceSpec, paths: AgentPaths): string | undefined {
  if (!spec.provider || spec.provider.includes("/") || spec.type.includes("/") || spec.provider === ".." || spec.type === "..") return undefined;
  return findExecutable(paths.ocfRaPath.map((dir) => join(dir, spec.provider!, spec.type)));
}

export function prepareOcf(spec: ResourceSpec, action: string, params: Record<string, string>, paths: AgentPaths): Invocation {
  if (!spec.provider) return notInstalled(`${spec.type}: OCF resource has no provider`);
  const file = locateOcf(spec, paths);
  if (!file) return notInstalled(`${spec.type}: No such file or directory (no agent ${spec.provider}/${spec.type} in ${paths.ocfRaPath.join(":")})`);
  return { kind: "spawn", file, args: [action], env: ocfEnvironment(spec, params, paths), mapExit: (code) => code, agentAction: action };
}

/** The last exit reason the agent wrote to stderr (ocf_exit_reason writes one line). */
export function exitReasonFrom(stderr: string): string | undefined {
  let reason: string | undefined;
  for (const line of stderr.split("\n")) {
    const at = line.indexOf(EXIT_REASON_PREFIX);
    if (at >= 0) reason = line.slice(at + EXIT_REASON_PREFIX.length).trim();
  }
  return reason;
}
