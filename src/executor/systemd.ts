// systemd units, driven through systemctl. Only where systemd is the running init system;
// elsewhere every action reports "not installed" with a reason that says why.
import { existsSync } from "node:fs";
import { OcfRc } from "./codes.js";
import { daemonEnv, findExecutable, notInstalled, type Invocation, type ResourceSpec } from "./agent.js";

/** systemd's own test for "booted with systemd" (sd_booted). */
export function systemdRunning(): boolean {
  return existsSync("/run/systemd/system");
}

export function unitName(type: string): string {
  return /\.(service|socket|mount|timer|target|path|scope|slice)$/.test(type) ? type : `${type}.service`;
}

export function prepareSystemd(spec: ResourceSpec, action: string, running: boolean, timeoutMs: number): Invocation {
  if (!running) return notInstalled(`${spec.type}: systemd is not running on this host`);
  const systemctl = findExecutable(["/usr/bin/systemctl", "/bin/systemctl"]);
  if (!systemctl) return notInstalled("systemctl not found");
  const unit = unitName(spec.type);
  const env = { ...daemonEnv() };
  void timeoutMs;
  switch (action) {
    case "start":
    case "stop":
    case "reload":
    case "restart":
      // systemctl waits for the job; the executor's timeout bounds the wait.
      return { kind: "spawn", file: systemctl, args: [action, unit], env, mapExit: (c) => (c === 0 ? OcfRc.OK : c === 5 ? OcfRc.NOT_INSTALLED : OcfRc.UNKNOWN_ERROR), agentAction: action };
    case "monitor":
    case "status":
      // is-active: 0 active, 3 inactive/failed; 4 = no such unit.
      return { kind: "spawn", file: systemctl, args: ["is-active", "--quiet", unit], env, mapExit: (c) => (c === 0 ? OcfRc.OK : c === 4 ? OcfRc.NOT_INSTALLED : OcfRc.NOT_RUNNING), agentAction: "is-active" };
    default:
      return { kind: "result", rc: OcfRc.UNIMPLEMENT_FEATURE, status: 0, reason: `systemd units have no '${action}' action` };
  }
}
