// One error type for everything wrong in a CIB's content (as opposed to its XML syntax, which
// xml.ts reports). The message always names the element and its line, so an operator can go
// straight to the offending spot in a CIB that may run to thousands of lines.
import { describe, type XmlElement } from "./xml.js";

export class CibError extends Error {
  constructor(
    message: string,
    readonly element?: XmlElement,
  ) {
    super(element ? `${describe(element)}: ${message}` : message);
    this.name = "CibError";
  }
}
