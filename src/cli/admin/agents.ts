// Agents the CLI may name in `resource create`: OCF agents under pacer's own agents/ocf and
// /usr/lib/ocf/resource.d (or $PACER_OCF_RA_PATH), LSB scripts in /etc/init.d. The agent's
// meta-data gives pcs-style default operations (monitor at the advertised interval, start
// and stop with the advertised timeouts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { agentMetadata } from "../../executor/metadata.js";
import { locateOcf } from "../../executor/ocf.js";
import { defaultPaths, type AgentPaths } from "../../executor/agent.js";
import { parseXml } from "../../cib/xml.js";
import { EditError } from "../../cib/edit/tree.js";
import { agentText, type AgentSpec, type OpSpec } from "../../cib/edit/resources.js";

export function agentPaths(): AgentPaths {
  return defaultPaths;
}

const SYSTEMD_DIRS = ["/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

/** Refuse agents that are not installed on this host (`--force` skips this, for CIBs meant for other hosts). */
export function checkAgent(agent: AgentSpec): void {
  const paths = agentPaths();
  if (agent.class === "systemd" || agent.class === "service") {
    const unit = /\.(service|socket|timer|target|mount)$/.test(agent.type) ? agent.type : `${agent.type}.service`;
    const found = SYSTEMD_DIRS.some((d) => existsSync(join(d, unit))) || (agent.class === "service" && existsSync(join(paths.lsbDir, agent.type)));
    if (!found) throw new EditError(`unknown agent '${agentText(agent)}': no unit ${unit} in ${SYSTEMD_DIRS.join(", ")}${agent.class === "service" ? ` and no ${join(paths.lsbDir, agent.type)}` : ""}`);
  } else if (agent.class === "stonith") {
    if (!existsSync(join("/usr/sbin", agent.type))) throw new EditError(`unknown agent '${agentText(agent)}': no fence agent /usr/sbin/${agent.type}`);
  }
  if (agent.class === "ocf") {
    if (!locateOcf({ id: "check", class: "ocf", provider: agent.provider, type: agent.type }, paths))
      throw new EditError(`unknown agent '${agentText(agent)}': no ${agent.provider}/${agent.type} in ${paths.ocfRaPath.join(", ")}`);
  } else if (agent.class === "lsb") {
    if (!existsSync(join(paths.lsbDir, agent.type))) throw new EditError(`unknown agent '${agentText(agent)}': no ${join(paths.lsbDir, agent.type)}`);
  }
}

/** Default operations from the agent's meta-data, for the op names the admin did not give. */
export async function defaultOps(agent: AgentSpec, given: OpSpec[]): Promise<OpSpec[]> {
  if (agent.class !== "ocf") return [];
  const md = await agentMetadata({ id: "meta", class: "ocf", provider: agent.provider, type: agent.type }, agentPaths(), 10_000);
  if (md.rc !== 0) return [];
  let root;
  try {
    root = parseXml(md.text, `${agentText(agent)} meta-data`);
  } catch {
    throw new EditError(`the meta-data of ${agentText(agent)} is not valid XML; give the operations explicitly (op NAME interval=...)`);
  }
  const actions = root.children.find((c) => c.name === "actions")?.children.filter((c) => c.name === "action") ?? [];
  const out: OpSpec[] = [];
  const givenNames = new Set(given.map((o) => o.name));
  for (const want of ["start", "stop", "monitor"]) {
    if (givenNames.has(want)) continue;
    for (const a of actions.filter((x) => x.attrs.name === want)) {
      const attrs: Record<string, string> = {};
      attrs.interval = want === "monitor" ? a.attrs.interval ?? "60s" : "0s";
      if (a.attrs.timeout) attrs.timeout = a.attrs.timeout;
      if (a.attrs.role) attrs.role = a.attrs.role;
      out.push({ name: want, attrs });
      if (want !== "monitor") break;
    }
  }
  return out;
}
