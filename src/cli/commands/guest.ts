// `pacer guest add|remove`: a guest node living in a container resource.
import { CliError } from "../errors.js";
import { addGuest, removeGuest } from "../../cib/edit/guests.js";
import { expectArgs, runFamily, takeOption, type Family, type Prepared } from "../admin/runner.js";

export const summary = "make a container resource host a guest node, or stop it doing so";

const USAGE = `usage: pacer guest add NAME --container RSC [--addr ADDRESS] [--port PORT]
       pacer guest remove NAME

  add      RSC (a container: ocf:pacer:nscontainer, VirtualDomain, ...) hosts guest node NAME,
           reached at ADDRESS (default: NAME) on PORT (default 3121)
  remove   RSC stays, the guest node goes (its node attributes too)`;

async function prepare(args: string[]): Promise<Prepared> {
  const [sub, ...rest] = args;
  if (sub === "add") {
    const container = takeOption(rest, "--container");
    const addr = takeOption(rest, "--addr");
    const port = takeOption(rest, "--port");
    const [name] = expectArgs(rest, ["NAME"], "guest add");
    if (container === undefined) throw new CliError("guest add: --container RSC is required", 2);
    return { kind: "edit", apply: (cib) => addGuest(cib, name, container, addr, port) };
  }
  if (sub === "remove") {
    const [name] = expectArgs(rest, ["NAME"], "guest remove");
    return { kind: "edit", apply: (cib) => removeGuest(cib, name) };
  }
  throw new CliError(`guest: expected add or remove${sub ? `, got '${sub}'` : ""}\n${USAGE}`, 2);
}

export const family: Family = { name: "guest", usage: USAGE, prepare };

export function run(args: string[]): Promise<number> {
  return runFamily(family, args);
}
