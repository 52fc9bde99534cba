// Phase 1: cluster options. crm_config sets are evaluated with rules against "now"; every
// option the scheduler reads gets Pacemaker's default here, so later phases never guess.
import type { CibModel } from "../cib/model.js";
import { evaluateNvsets } from "../cib/nvset.js";
import { isTrue } from "../cib/model-parse.js";
import type { IdIndex } from "../cib/id-index.js";

const DEFAULTS: Record<string, string> = {
  "stonith-enabled": "true",
  "symmetric-cluster": "true",
  "no-quorum-policy": "stop",
  "stop-orphan-resources": "true",
  "stop-orphan-actions": "true",
  "start-failure-is-fatal": "true",
  "maintenance-mode": "false",
  "stop-all-resources": "false",
  "placement-strategy": "default",
  "startup-fencing": "true",
  "stonith-action": "reboot",
  "stonith-timeout": "60s",
  "cluster-delay": "60s",
  "batch-limit": "0",
  "migration-limit": "-1",
  "shutdown-lock": "false",
  "node-health-strategy": "none",
  "concurrent-fencing": "false",
};

export interface ClusterOptions {
  values: Map<string, string>;
  get(name: string): string;
  flag(name: string): boolean;
}

export function unpackConfig(model: CibModel, now: number, index: IdIndex): ClusterOptions {
  const values = model.crmConfig ? evaluateNvsets(model.crmConfig, "cluster_property_set", { now }, index) : new Map<string, string>();
  const get = (name: string) => values.get(name) ?? DEFAULTS[name] ?? "";
  return { values, get, flag: (name: string) => isTrue(get(name)) };
}
