// Alert agents: scripts the cluster runs on events, with the event in CRM_alert_* variables.
// Pacemaker runs them as the unprivileged cluster user; so do we when we are root and that
// user exists. Nobody waits for their result beyond logging it.
import { readFileSync } from "node:fs";
import { runProcess, type ProcessResult } from "./run-process.js";

export interface AlertRequest {
  id: string;
  path: string;
  timeoutMs: number;
  /** CRM_alert_* variables (and any other environment the alert should see). */
  env: Record<string, string>;
}

let sequence = 0;

/** uid/gid of a local user from /etc/passwd, or undefined. */
export function lookupUser(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const f = line.split(":");
      if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // no passwd file: run as ourselves
  }
  return undefined;
}

export function runAlert(req: AlertRequest, user = "hacluster"): Promise<ProcessResult> {
  sequence++;
  const env: NodeJS.ProcessEnv = { ...process.env, ...req.env, CRM_alert_node_sequence: String(sequence), CRM_notify_node_sequence: String(sequence) };
  const ids = process.getuid?.() === 0 ? lookupUser(user) : undefined;
  return runProcess(req.path, [], { env, timeoutMs: req.timeoutMs > 0 ? req.timeoutMs : 30_000, uid: ids?.uid, gid: ids?.gid }).result;
}
