// `pacer resource ...`: create, change and inspect resources (pcs resource's vocabulary).
import { CliError } from "../errors.js";
import * as edit from "../../cib/edit/resources.js";
import { cleanupHistory, refreshHistory } from "../../cib/edit/history.js";
import { knownNodes } from "../../cib/edit/nodes.js";
import { EditError, keyValues, nvpairs } from "../../cib/edit/tree.js";
import { childrenNamed, type XmlElement } from "../../cib/xml.js";
import { checkAgent, defaultOps } from "../admin/agents.js";
import { expectArgs, printJsonOrText, runFamily, takeFlag, takeOption, type CommonOptions, type Family, type Prepared } from "../admin/runner.js";
import { resourceStates } from "../admin/cluster-state.js";
import { restartResource } from "../admin/restart.js";

export const summary = "create, change, move and inspect resources";

const USAGE = `usage: pacer resource COMMAND ...

  create ID CLASS:[PROVIDER:]TYPE [name=value...] [op NAME name=value...]... [meta name=value...]
         [--group GROUP | --clone | --promotable] [--disabled] [--no-default-ops]
                          new primitive (in ID-clone with --clone/--promotable); operations
                          not given come from the agent's meta-data; --force skips the
                          check that the agent is installed here
  update ID [name=value|name=...] [op NAME name=value...]...
                          change instance attributes (name= removes one) and operations
  meta ID name=value|name=...      set or remove meta attributes (any resource)
  delete ID               remove the resource and the constraints naming it
  enable ID | disable ID  remove target-role / set target-role=Stopped
  restart ID [--timeout SEC]       stop, wait until stopped, start again (pacerd only)
  move ID [NODE]          prefer NODE (constraint cli-prefer-ID); without NODE, ban the
                          node it runs on now (cli-ban-ID-on-NODE)
  ban ID NODE             keep off NODE (constraint cli-ban-ID-on-NODE)
  clear ID [NODE]         remove move/ban constraints
  cleanup [ID] [--node N] forget failures: failed history and fail counts (re-probe)
  refresh [ID] [--node N] forget all history of the resource (re-probe everywhere)
  list                    every resource with its agent and state
  show ID                 one resource's definition`;

function parseOps(words: string[], what: string): { params: string[]; ops: edit.OpSpec[]; meta: string[] } {
  const params: string[] = [];
  const meta: string[] = [];
  const ops: edit.OpSpec[] = [];
  let mode: "params" | "op" | "meta" = "params";
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === "op") {
      const name = words[++i];
      if (name === undefined || name.includes("=")) throw new CliError(`${what}: 'op' must be followed by an operation name (op monitor interval=10s)`, 2);
      ops.push({ name, attrs: {} });
      mode = "op";
    } else if (w === "meta") mode = "meta";
    else if (mode === "params") params.push(w);
    else if (mode === "meta") meta.push(w);
    else {
      const [[k, v]] = keyValues([w], "operation option");
      if (v === undefined) throw new EditError(`operation option '${k}' needs a value`);
      ops[ops.length - 1].attrs[k] = v;
    }
  }
  return { params, ops, meta };
}

function defined(kv: [string, string | undefined][], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of kv) {
    if (v === undefined) throw new EditError(`${what} '${k}' needs a value`);
    out[k] = v;
  }
  return out;
}

async function prepare(args: string[], opts: CommonOptions): Promise<Prepared> {
  const [sub, ...rest] = args;
  const what = `resource ${sub}`;
  switch (sub) {
    case "create": {
      const group = takeOption(rest, "--group");
      const disabled = takeFlag(rest, "--disabled");
      const noDefaults = takeFlag(rest, "--no-default-ops");
      const clone = takeFlag(rest, "--clone");
      const promotable = takeFlag(rest, "--promotable");
      if ((clone || promotable) && group !== undefined) throw new CliError(`${what}: --group and --clone/--promotable do not go together (clone the group instead)`, 2);
      const [id, agentText, ...words] = rest;
      if (id === undefined || agentText === undefined) throw new CliError(`${what}: expected ID and CLASS:[PROVIDER:]TYPE`, 2);
      const agent = edit.parseAgent(agentText);
      if (!opts.force) checkAgent(agent);
      const { params, ops, meta } = parseOps(words, what);
      for (const op of ops) if (op.attrs.interval === undefined) op.attrs.interval = op.name === "monitor" ? "60s" : "0s";
      const allOps = noDefaults ? ops : [...ops, ...(await defaultOps(agent, ops))];
      const metaValues = defined(keyValues(meta, "meta attribute"), "meta attribute");
      if (disabled) metaValues["target-role"] = "Stopped";
      const spec: edit.CreateSpec = { id, agent, params: defined(keyValues(params, "instance attribute"), "instance attribute"), meta: metaValues, ops: allOps, ...(group ? { group } : {}), ...(clone || promotable ? { clone: promotable ? "promotable" : "clone" } : {}) };
      return { kind: "edit", apply: (cib) => edit.createResource(cib, spec) };
    }
    case "update": {
      const [id, ...words] = rest;
      if (id === undefined) throw new CliError(`${what}: expected ID`, 2);
      const { params, ops, meta } = parseOps(words, what);
      if (meta.length) throw new CliError(`${what}: use 'pacer resource meta ${id} ...' for meta attributes`, 2);
      for (const op of ops) if (op.attrs.interval === undefined) op.attrs.interval = op.name === "monitor" ? "60s" : "0s";
      const kv = keyValues(params, "instance attribute");
      if (kv.length === 0 && ops.length === 0) throw new CliError(`${what}: nothing to change (give name=value or op NAME ...)`, 2);
      return { kind: "edit", apply: (cib) => edit.updateResource(cib, id, kv, ops) };
    }
    case "meta": {
      const [id, ...words] = rest;
      if (id === undefined || words.length === 0) throw new CliError(`${what}: expected ID name=value...`, 2);
      const kv = keyValues(words, "meta attribute");
      return { kind: "edit", apply: (cib) => edit.setResourceMeta(cib, id, kv) };
    }
    case "delete":
    case "enable":
    case "disable": {
      const [id] = expectArgs(rest, ["ID"], what);
      const fn = sub === "delete" ? edit.deleteResource : sub === "enable" ? edit.enableResource : edit.disableResource;
      return { kind: "edit", apply: (cib) => fn(cib, id) };
    }
    case "move":
    case "ban": {
      const [id, node] = expectArgs(rest, ["ID", "NODE"], what, sub === "move" ? 1 : 0);
      if (node === undefined) {
        // crm_resource --move without a node: ban the one node it runs on now.
        return {
          kind: "edit",
          apply: (cib) => {
            edit.findResource(cib, id);
            const here = resourceStates(cib).find((s) => s.id === id)?.nodes ?? [];
            if (here.length !== 1) throw new EditError(`'${id}' runs on ${here.length ? here.join(", ") : "no node"}: give the NODE to move it to`);
            const r = edit.banResource(cib, id, here[0], [here[0]]);
            return { ...r, message: `'${id}' will move away from ${here[0]} (constraint cli-ban-${id}-on-${here[0]}; 'pacer resource clear ${id}' removes it)` };
          },
        };
      }
      const fn = sub === "move" ? edit.moveResource : edit.banResource;
      return { kind: "edit", apply: (cib) => fn(cib, id, node, opts.force ? [node, ...knownNodes(cib).map((n) => n.name)] : knownNodes(cib).map((n) => n.name)) };
    }
    case "clear": {
      const [id, node] = expectArgs(rest, ["ID", "NODE"], what, 1);
      return { kind: "edit", apply: (cib) => edit.clearResource(cib, id, node) };
    }
    case "cleanup":
    case "refresh": {
      const node = takeOption(rest, "--node");
      const [rsc] = expectArgs(rest, ["ID"], what, 1);
      const fn = sub === "cleanup" ? cleanupHistory : refreshHistory;
      return { kind: "edit", apply: (cib) => fn(cib, { ...(rsc ? { rsc } : {}), ...(node ? { node } : {}) }) };
    }
    case "restart": {
      const timeout = Number(takeOption(rest, "--timeout") ?? "60");
      if (!(timeout > 0)) throw new CliError(`${what}: --timeout needs a positive number of seconds`, 2);
      const [id] = expectArgs(rest, ["ID"], what);
      if (opts.target.file !== undefined) throw new CliError(`${what}: restart needs the running pacerd (a CIB file runs nothing; use disable and enable)`, 2);
      return { kind: "live", run: () => restartResource(opts, id, timeout) };
    }
    case "list": {
      expectArgs(rest, [], what);
      return {
        kind: "read",
        show: (loaded) => {
          const states = resourceStates(loaded.root);
          const text = states.map((s) => `${s.id} (${s.kind}${s.agent ? ` ${s.agent}` : ""})${s.parent ? ` in ${s.parent}` : ""}: ${s.state}${s.targetRole ? ` [target-role=${s.targetRole}]` : ""}`).join("\n");
          printJsonOrText(opts.json, { resources: states }, states.length ? text : "no resources");
          return 0;
        },
      };
    }
    case "show": {
      const [id] = expectArgs(rest, ["ID"], what);
      return {
        kind: "read",
        show: (loaded) => {
          const el = edit.findResource(loaded.root, id);
          const info = describeResource(el);
          const state = resourceStates(loaded.root).find((s) => s.id === id);
          const lines = [`${info.kind} ${id}${info.agent ? ` (${info.agent})` : ""}`];
          if (Object.keys(info.attributes).length) lines.push(`  attributes: ${Object.entries(info.attributes).map(([k, v]) => `${k}=${v}`).join(" ")}`);
          if (Object.keys(info.meta).length) lines.push(`  meta: ${Object.entries(info.meta).map(([k, v]) => `${k}=${v}`).join(" ")}`);
          for (const op of info.operations) lines.push(`  op ${op.name} ${Object.entries(op.attrs).map(([k, v]) => `${k}=${v}`).join(" ")} (id ${op.id})`);
          if (info.members.length) lines.push(`  members: ${info.members.join(" ")}`);
          if (state) lines.push(`  state: ${state.state}`);
          printJsonOrText(opts.json, { ...info, ...(state ? { state: state.state, nodes: state.nodes } : {}) }, lines.join("\n"));
          return 0;
        },
      };
    }
    default:
      throw new CliError(`resource: unknown command${sub ? ` '${sub}'` : ""}\n${USAGE}`, 2);
  }
}

function describeResource(el: XmlElement) {
  const ops = childrenNamed(el, "operations").flatMap((o) => childrenNamed(o, "op"));
  return {
    id: el.attrs.id,
    kind: el.name,
    ...(el.name === "primitive" ? { agent: el.attrs.provider ? `${el.attrs.class}:${el.attrs.provider}:${el.attrs.type}` : `${el.attrs.class}:${el.attrs.type}` } : {}),
    attributes: nvpairs(el, "instance_attributes"),
    meta: nvpairs(el, "meta_attributes"),
    operations: ops.map((o) => {
      const { id, name, ...attrs } = o.attrs;
      return { id, name, attrs };
    }),
    members: el.children.filter((c) => ["primitive", "group", "clone", "master", "bundle"].includes(c.name)).map((c) => c.attrs.id),
  };
}

export const family: Family = { name: "resource", usage: USAGE, prepare };

export function run(args: string[]): Promise<number> {
  return runFamily(family, args);
}
