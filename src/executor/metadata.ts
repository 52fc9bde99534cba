// Agent meta-data, read locally (Pacemaker 2.1.5 never asks for it over the remote protocol).
import { OcfRc } from "./codes.js";
import { type AgentPaths, type ResourceSpec } from "./agent.js";
import { locateOcf, ocfEnvironment } from "./ocf.js";
import { runProcess } from "./run-process.js";

export interface MetadataResult {
  rc: number;
  /** The meta-data XML text when rc is 0, else an explanation. */
  text: string;
}

export async function agentMetadata(spec: ResourceSpec, paths: AgentPaths, timeoutMs = 30_000): Promise<MetadataResult> {
  if (spec.class !== "ocf") return { rc: OcfRc.UNIMPLEMENT_FEATURE, text: `meta-data is only read from OCF agents here, not '${spec.class}'` };
  const file = locateOcf(spec, paths);
  if (!file) return { rc: OcfRc.NOT_INSTALLED, text: `no OCF agent ${spec.provider ?? "?"}/${spec.type}` };
  const res = await runProcess(file, ["meta-data"], { env: ocfEnvironment(spec, {}, paths), timeoutMs }).result;
  if (res.timedOut) return { rc: OcfRc.UNKNOWN_ERROR, text: `meta-data of ${file} did not complete within ${timeoutMs}ms` };
  if (res.exitCode !== 0) return { rc: res.exitCode ?? OcfRc.UNKNOWN_ERROR, text: res.stderr || `meta-data of ${file} failed` };
  return { rc: OcfRc.OK, text: res.stdout };
}
