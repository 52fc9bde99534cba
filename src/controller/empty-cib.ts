// The CIB of a cluster that has never been configured. The feature set and schema are the
// newest that Pacemaker 2.1.5 accepts, so its tools read what pacer writes (a CIB claiming a
// newer feature set is refused by them).
import type { XmlElement } from "../cib/xml.js";
import { element } from "../cib/xml.js";
import { REQUIRED_SECTIONS } from "./cib-validate.js";

export const CRM_FEATURE_SET = "3.16.1";
export const SCHEMA_VERSION = "pacemaker-3.9";

export function emptyCib(): XmlElement {
  return element(
    "cib",
    { crm_feature_set: CRM_FEATURE_SET, "validate-with": SCHEMA_VERSION, epoch: "0", num_updates: "0", admin_epoch: "0" },
    [element("configuration", {}, REQUIRED_SECTIONS.map((s) => element(s))), element("status")],
  );
}
