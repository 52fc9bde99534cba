// Every configuration element that carries an `id`, so `id-ref` attributes (rules, nvsets,
// nvpairs, ...) can be resolved. The status section is left out: its ids (operation history)
// are not targets of references and legitimately repeat across nodes.
import { CibError } from "./errors.js";
import { child, describe, walk, type XmlElement } from "./xml.js";

export type IdIndex = ReadonlyMap<string, XmlElement>;

// Elements whose `id` is not an XML ID in Pacemaker's schema, so it may coincide with another
// element's: node ids are cluster-layer numbers, ACL targets and groups are user names, and
// resource_ref / obj_ref / an ACL target's role carry the id of the element they point to.
const NOT_XML_IDS = new Set(["node", "acl_target", "acl_group", "role", "resource_ref", "obj_ref"]);

/**
 * Index the configuration section of a <cib> (or any subtree given directly, e.g. a
 * <configuration> element). Two elements with the same id are a CibError naming both.
 */
export function buildIdIndex(root: XmlElement): Map<string, XmlElement> {
  const scope = root.name === "cib" ? child(root, "configuration") : root;
  const index = new Map<string, XmlElement>();
  if (!scope) return index;
  for (const el of walk(scope)) {
    const id = el.attrs.id;
    if (id === undefined || NOT_XML_IDS.has(el.name)) continue;
    const previous = index.get(id);
    if (previous) {
      throw new CibError(`duplicate id "${id}": also used by ${describe(previous)}`, el);
    }
    index.set(id, el);
  }
  return index;
}

/**
 * Follow an element's `id-ref` to the element it names (the element itself when it has no
 * `id-ref`). The target must exist and be of the same kind (a <rule id-ref> must name a rule).
 */
export function resolveRef(el: XmlElement, index: IdIndex | undefined): XmlElement {
  const ref = el.attrs["id-ref"];
  if (ref === undefined) return el;
  if (!index) throw new CibError(`cannot resolve id-ref="${ref}": no id index was given`, el);
  const target = index.get(ref);
  if (!target) throw new CibError(`id-ref="${ref}" names no element in the configuration`, el);
  if (target.name !== el.name) {
    throw new CibError(`id-ref="${ref}" names ${describe(target)}, not a <${el.name}>`, el);
  }
  if (target.attrs["id-ref"] !== undefined) {
    throw new CibError(`id-ref="${ref}" names ${describe(target)}, which is itself a reference`, el);
  }
  return target;
}
