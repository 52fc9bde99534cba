// What a rule is evaluated against. Rules never read the clock or the cluster themselves:
// everything comes in through this context, so the scheduler stays a pure function.

export interface RuleContext {
  /** The current time, in epoch seconds. */
  now: number;
  /** Seconds east of UTC used for date_spec fields and for dates written without an offset
   * (Pacemaker uses the host's zone; default 0 = UTC). */
  utcOffset?: number;
  /** Node attributes, including the built-in ones: #uname, #id, #kind, #is_dc, #cluster-name,
   * #site-name, and #role for promotable clones. */
  node?: ReadonlyMap<string, string>;
  /** The resource agent, for rsc_expression (rsc_defaults and op_defaults). */
  rsc?: { class?: string; provider?: string; type?: string };
  /** The operation, for op_expression (op_defaults); interval in ms. */
  op?: { name: string; interval: number };
  /** Resource instance attributes, for expressions with value-source="param". */
  params?: ReadonlyMap<string, string>;
  /** Resource meta attributes, for expressions with value-source="meta". */
  meta?: ReadonlyMap<string, string>;
  /** Captures of a location constraint's rsc-pattern: %0 (whole match) .. %9 in an expression's
   * attribute and a rule's score-attribute. */
  match?: { submatches?: string[] };
}

export interface RuleResult {
  matched: boolean;
  /** The earliest epoch second after `now` at which a date expression in the rule could change
   * the result (used to schedule a re-check); absent when nothing time-based can change it. */
  nextChange?: number;
}

/** The earlier of two optional instants. */
export function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
