// The typed CIB model as a store validator: a CIB the scheduler could not read is refused
// when it is committed, with the model's own message (element and line), instead of
// failing later, at scheduling time, with the bad version already stored.
import { CibError } from "../cib/errors.js";
import { parseCib } from "../cib/model-parse.js";
import type { XmlElement } from "../cib/xml.js";
import type { CibProblem } from "./cib-validate.js";

export function modelProblems(cib: XmlElement): CibProblem[] {
  try {
    parseCib(cib);
    return [];
  } catch (err) {
    if (err instanceof CibError) return [{ message: err.message }];
    throw err;
  }
}
