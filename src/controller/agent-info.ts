// What an agent's meta-data says about its parameters, for the digests recorded with every
// result (op-force-restart/op-restart-digest, op-secure-params/op-secure-digest). Read from
// the local agent, as Pacemaker's controller does even for resources inside guests, and
// cached per agent for the daemon's lifetime (Pacemaker caches it the same way).
import { agentParamInfo, type AgentParamInfo } from "../cib/digest.js";
import { parseXml } from "../cib/xml.js";
import { defaultPaths, type AgentPaths } from "../executor/agent.js";
import { agentMetadata } from "../executor/metadata.js";

export interface AgentRef {
  class: string;
  provider?: string;
  type: string;
}

export class AgentInfoCache {
  private readonly cache = new Map<string, Promise<AgentParamInfo | undefined>>();

  constructor(
    private readonly paths: AgentPaths = defaultPaths,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** Undefined when nothing is known (not OCF, not installed here, unreadable meta-data):
   *  then only op-digest is recorded, as crm_simulate does. */
  get(agent: AgentRef): Promise<AgentParamInfo | undefined> {
    if (agent.class !== "ocf" || agent.provider === undefined) return Promise.resolve(undefined);
    const key = `${agent.class}:${agent.provider}:${agent.type}`;
    let info = this.cache.get(key);
    if (!info) {
      info = this.read(agent, key);
      this.cache.set(key, info);
    }
    return info;
  }

  private async read(agent: AgentRef, key: string): Promise<AgentParamInfo | undefined> {
    try {
      const md = await agentMetadata({ id: "meta-data", class: agent.class, provider: agent.provider, type: agent.type }, this.paths, 10_000);
      if (md.rc !== 0) {
        this.log(`meta-data of ${key}: ${md.text.trim()} (recording op-digest only)`);
        if (md.rc !== 5) this.cache.delete(key); // transient trouble: ask again next time
        return undefined;
      }
      return agentParamInfo(parseXml(md.text, `${key} meta-data`));
    } catch (err) {
      this.log(`meta-data of ${key}: ${err instanceof Error ? err.message : String(err)} (recording op-digest only)`);
      this.cache.delete(key);
      return undefined;
    }
  }
}
