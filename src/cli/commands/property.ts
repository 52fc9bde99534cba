// `pacer property set|unset|list`: cluster options (crm_config).
import { CliError } from "../errors.js";
import { listProperties, setProperty } from "../../cib/edit/properties.js";
import { keyValues } from "../../cib/edit/tree.js";
import { expectArgs, printJsonOrText, runFamily, type CommonOptions, type Family, type Prepared } from "../admin/runner.js";

export const summary = "set, unset and list cluster properties";

const USAGE = `usage: pacer property set name=value... [--force]
       pacer property unset NAME...
       pacer property list

  names are checked against Pacemaker 2.1.5's cluster options (--force accepts others)`;

async function prepare(args: string[], opts: CommonOptions): Promise<Prepared> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "set": {
      if (rest.length === 0) throw new CliError("property set: expected name=value...", 2);
      const kv = keyValues(rest, "property");
      for (const [k, v] of kv) if (v === undefined) throw new CliError(`property set: '${k}' needs a value (use 'property unset ${k}' to remove it)`, 2);
      return { kind: "edit", apply: (cib) => ({ message: kv.map(([k, v]) => setProperty(cib, k, v, opts.force).message).join("\n"), changed: "configuration" }) };
    }
    case "unset": {
      if (rest.length === 0) throw new CliError("property unset: expected NAME...", 2);
      return { kind: "edit", apply: (cib) => ({ message: rest.map((k) => setProperty(cib, k, undefined, true).message).join("\n"), changed: "configuration" }) };
    }
    case "list": {
      expectArgs(rest, [], "property list");
      return {
        kind: "read",
        show: (loaded) => {
          const p = listProperties(loaded.root);
          printJsonOrText(opts.json, { properties: p }, Object.entries(p).map(([k, v]) => `${k}: ${v}`).join("\n") || "no properties set");
          return 0;
        },
      };
    }
    default:
      throw new CliError(`property: expected set, unset or list${sub ? `, got '${sub}'` : ""}\n${USAGE}`, 2);
  }
}

export const family: Family = { name: "property", usage: USAGE, prepare };

export function run(args: string[]): Promise<number> {
  return runFamily(family, args);
}
