// Reading crm_*-style command lines: short and long options, `--long=value` or the value as
// the next word. Each command keeps its own switch over the option names.

export interface OptionWord {
  /** The option as written, without an inline `=value`. */
  name: string;
  /** The word exactly as given (for error messages). */
  raw: string;
  /** The option's value: the inline `=value`, else the next word (consumed). */
  value(): string;
}

/** The words of argv, one at a time; `missing(name)` is thrown when a value is absent. */
export function* optionWords(argv: readonly string[], missing: (name: string) => Error): Generator<OptionWord> {
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.indexOf("=");
    const inline = raw.startsWith("--") && eq > 0 ? raw.slice(eq + 1) : undefined;
    const name = inline !== undefined ? raw.slice(0, eq) : raw;
    yield {
      name,
      raw,
      value: () => {
        if (inline !== undefined) return inline;
        const v = argv[++i];
        if (v === undefined) throw missing(name);
        return v;
      },
    };
  }
}
