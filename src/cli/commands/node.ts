// `pacer node standby|unstandby|attribute`: permanent node attributes.
import { CliError } from "../errors.js";
import { knownNodes, nodeAttributes, setNodeAttribute, setStandby } from "../../cib/edit/nodes.js";
import { keyValues } from "../../cib/edit/tree.js";
import { expectArgs, printJsonOrText, runFamily, type CommonOptions, type Family, type Prepared } from "../admin/runner.js";

export const summary = "put nodes in standby, set node attributes, list nodes";

const USAGE = `usage: pacer node COMMAND ...

  standby NODE              move resources off NODE and keep them off (standby=on)
  unstandby NODE            allow resources on NODE again
  attribute NODE name=value|name=...   set or remove permanent node attributes
  attribute [NODE]          show node attributes
  list                      cluster, guest and remote nodes`;

async function prepare(args: string[], opts: CommonOptions): Promise<Prepared> {
  const [sub, ...rest] = args;
  const what = `node ${sub}`;
  switch (sub) {
    case "standby":
    case "unstandby": {
      const [node] = expectArgs(rest, ["NODE"], what);
      return { kind: "edit", apply: (cib) => setStandby(cib, node, sub === "standby") };
    }
    case "attribute": {
      const [node, ...words] = rest;
      if (words.length === 0) {
        return {
          kind: "read",
          show: (loaded) => {
            const all = nodeAttributes(loaded.root);
            const shown = node === undefined ? all : { [node]: all[node] ?? {} };
            if (node !== undefined && !knownNodes(loaded.root).some((n) => n.name === node)) throw new CliError(`node attribute: node '${node}' is not a cluster, guest or remote node`, 1);
            const text = Object.entries(shown).map(([n, attrs]) => `${n}: ${Object.entries(attrs).map(([k, v]) => `${k}=${v}`).join(" ") || "(none)"}`).join("\n");
            printJsonOrText(opts.json, { attributes: shown }, text || "no node attributes");
            return 0;
          },
        };
      }
      const kv = keyValues(words, "node attribute");
      return {
        kind: "edit",
        apply: (cib) => {
          const results = kv.map(([k, v]) => setNodeAttribute(cib, node, k, v));
          return { message: results.map((r) => r.message).join("\n"), changed: "configuration" };
        },
      };
    }
    case "list": {
      expectArgs(rest, [], what);
      return {
        kind: "read",
        show: (loaded) => {
          const nodes = knownNodes(loaded.root);
          printJsonOrText(opts.json, { nodes }, nodes.map((n) => `${n.name} (${n.kind}${n.resource ? `, resource ${n.resource}` : ""})`).join("\n") || "no nodes");
          return 0;
        },
      };
    }
    default:
      throw new CliError(`node: unknown command${sub ? ` '${sub}'` : ""}\n${USAGE}`, 2);
  }
}

export const family: Family = { name: "node", usage: USAGE, prepare };

export function run(args: string[]): Promise<number> {
  return runFamily(family, args);
}
