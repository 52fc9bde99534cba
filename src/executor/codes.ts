// Result vocabulary shared by the executor and the remote protocol. The numbers are part of
// Pacemaker's wire format (lrmd_exec_rc / lrmd_exec_op_status), so they must not change.

/** OCF exit codes: what an agent's exit status means once mapped to the OCF convention. */
export const OcfRc = {
  OK: 0,
  UNKNOWN_ERROR: 1,
  INVALID_PARAM: 2,
  UNIMPLEMENT_FEATURE: 3,
  INSUFFICIENT_PRIV: 4,
  NOT_INSTALLED: 5,
  NOT_CONFIGURED: 6,
  NOT_RUNNING: 7,
  RUNNING_PROMOTED: 8,
  FAILED_PROMOTED: 9,
  DEGRADED: 190,
  DEGRADED_PROMOTED: 191,
  UNKNOWN: 193,
} as const;

/** Execution status: whether the action ran at all, independently of what it returned. */
export const ExecStatus = {
  PENDING: -1,
  DONE: 0,
  CANCELLED: 1,
  TIMEOUT: 2,
  NOT_SUPPORTED: 3,
  ERROR: 4,
  ERROR_HARD: 5,
  ERROR_FATAL: 6,
  NOT_INSTALLED: 7,
  NOT_CONNECTED: 8,
  INVALID: 9,
  NO_FENCE_DEVICE: 10,
  NO_SECRETS: 11,
} as const;

/** Negative errno values used as API return codes (Linux numbering, as on Pacemaker's wire). */
export const Errno = {
  E2BIG: -7,
  EACCES: -13,
  ENODEV: -19,
  EINVAL: -22,
  ETIME: -62,
  EPROTO: -71,
  EPROTONOSUPPORT: -93,
  EOPNOTSUPP: -95,
  ENOTCONN: -107,
  EINPROGRESS: -115,
  ENOKEY: -126,
  EKEYREJECTED: -129,
} as const;

/** An API call refused with a negative errno code (e.g. an unknown resource gives ENODEV). */
export class ExecutorError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "ExecutorError";
  }
}
