// LSB init scripts: /etc/init.d/NAME start|stop|status. Their status action uses its own exit
// codes (LSB "status" 1-3 all mean "not running"), which are mapped to OCF here.
import { join } from "node:path";
import { OcfRc } from "./codes.js";
import { daemonEnv, findExecutable, notInstalled, type AgentPaths, type Invocation, type ResourceSpec } from "./agent.js";

export function lsbStatusToOcf(code: number): number {
  switch (code) {
    case 0:
      return OcfRc.OK;
    case 1: // dead, but a pid file exists
    case 2: // dead, but a lock file exists
    case 3: // not running
      return OcfRc.NOT_RUNNING;
    default:
      return OcfRc.UNKNOWN_ERROR;
  }
}

/** Non-status actions: LSB codes 0-7 line up with OCF's; anything else is a generic error. */
export function lsbActionToOcf(code: number): number {
  return code >= 0 && code <= 7 ? code : OcfRc.UNKNOWN_ERROR;
}

export function prepareLsb(spec: ResourceSpec, action: string, paths: AgentPaths): Invocation {
  if (spec.type === "" || spec.type.includes("..")) return notInstalled(`${spec.type}: not a valid LSB script name`);
  const file = findExecutable([spec.type.startsWith("/") ? spec.type : join(paths.lsbDir, spec.type)]);
  if (!file) return notInstalled(`${spec.type}: No such file or directory (no LSB script in ${paths.lsbDir})`);
  const agentAction = action === "monitor" ? "status" : action;
  const isStatus = agentAction === "status";
  return {
    kind: "spawn",
    file,
    args: [agentAction],
    env: { ...daemonEnv() },
    mapExit: isStatus ? lsbStatusToOcf : lsbActionToOcf,
    agentAction,
  };
}
