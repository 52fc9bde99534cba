// The node's name: what `uname -n` prints unless configured otherwise. It is written into
// the CIB (`<node uname>`, `update-origin`) and matched by constraints, so it must be a
// usable identifier, not whatever the kernel happens to hold.
import { hostname } from "node:os";
import { ClusterError } from "./cluster-layer.js";

const VALID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function localNodeName(configured?: string): string {
  const name = configured ?? hostname();
  const source = configured === undefined ? "the host name (uname -n)" : "the configured node name";
  if (name.length === 0) throw new ClusterError(`${source} is empty`);
  if (name.length > 255 || !VALID.test(name)) {
    throw new ClusterError(`${source} "${name}" is not a valid node name (letters, digits, '.', '_', '-'; starting with a letter or digit)`);
  }
  return name;
}
