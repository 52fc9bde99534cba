export * from "./types.js";
export { writeGraphXml, graphElement } from "./write.js";
export { readGraphXml, GraphFormatError } from "./read.js";
