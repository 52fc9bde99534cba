// Public surface of the executor part.
export * from "./codes.js";
export * from "./agent.js";
export * from "./executor.js";
export type { ExecutorApi } from "./api.js";
export * from "./log.js";
export { runAlert, type AlertRequest } from "./alert.js";
export { agentMetadata, type MetadataResult } from "./metadata.js";
export { runProcess, type ProcessResult, type RunningProcess } from "./run-process.js";
