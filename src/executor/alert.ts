// Alert agents: scripts the cluster runs on events, with the event in CRM_alert_* variables.
// Pacemaker runs them as the unprivileged cluster user; so do we when we are root and that
// user exists. Nobody waits for their result beyond logging it.
import { runProcess, type ProcessResult } from "./run-process.js";
import { lookupUser } from "./accounts.js";

export interface AlertRequest {
  id: string;
  path: string;
  timeoutMs: number;
  /** CRM_alert_* variables (and any other environment the alert should see). */
  env: Record<string, string>;
}

let sequence = 0;

export function runAlert(req: AlertRequest, user = "hacluster"): Promise<ProcessResult> {
  sequence++;
  const env: NodeJS.ProcessEnv = { ...process.env, ...req.env, CRM_alert_node_sequence: String(sequence), CRM_notify_node_sequence: String(sequence) };
  const ids = process.getuid?.() === 0 ? lookupUser(user) : undefined;
  return runProcess(req.path, [], { env, timeoutMs: req.timeoutMs > 0 ? req.timeoutMs : 30_000, uid: ids?.uid, gid: ids?.gid }).result;
}
