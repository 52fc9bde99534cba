// How outputs are compared with Pacemaker's expected files, following Pacemaker's own
// regression driver (cts-scheduler): summaries go through a few seds that map legacy role
// names to the current ones, then are compared like `diff -w -B` (white space inside lines
// and blank lines do not matter); graphs are compared after removing the crm_feature_set and
// batch-limit attributes, which vary between builds.

/** The sed expressions Pacemaker applies to a summary before comparing it. */
export function normaliseSummaryLine(line: string): string {
  return line
    .replace(/ocf::/g, "ocf:")
    .replace("Masters:", "Promoted:")
    .replace("Slaves:", "Unpromoted:")
    .replace(/ Master( |\[|$)/, " Promoted$1")
    .replace(" Slave ", " Unpromoted ");
}

/** Lines as `diff -w -B` sees them: all white space removed, blank lines dropped. */
export function diffKey(text: string, normaliseLine: (l: string) => string = (l) => l): { key: string; line: string }[] {
  const out: { key: string; line: string }[] = [];
  for (const raw of text.split("\n")) {
    const line = normaliseLine(raw);
    const key = line.replace(/\s+/g, "");
    if (key !== "") out.push({ key, line });
  }
  return out;
}

/** Whether two summaries are equal under the normalisation and `diff -w -B`. */
export function summariesMatch(expected: string, actual: string): boolean {
  const a = diffKey(expected, normaliseSummaryLine);
  const b = diffKey(actual, normaliseSummaryLine);
  return a.length === b.length && a.every((l, i) => l.key === b[i].key);
}

/** A section of a summary: its title line and the lines up to the next section title. */
export function summarySection(summary: string, title: string): string | undefined {
  const lines = summary.split("\n");
  const start = lines.findIndex((l) => l === `${title}:`);
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && !/^[A-Z][A-Za-z ]+:$/.test(lines[end])) end++;
  return lines.slice(start, end).join("\n");
}

/** Both summaries have the section and it matches (a missing section never matches). */
export function sectionsMatch(expected: string, actual: string, title: string): boolean {
  const a = summarySection(expected, title);
  const b = summarySection(actual, title);
  return a !== undefined && b !== undefined && summariesMatch(a, b);
}

/** Remove what Pacemaker's driver removes from graphs before comparing them. */
export function normaliseGraph(xml: string): string {
  return xml.replace(/crm_feature_set="[^"]*"/g, "").replace(/batch-limit="[^"]*"/g, "");
}

export function graphsMatch(expected: string, actual: string): boolean {
  return normaliseGraph(expected) === normaliseGraph(actual);
}

/** Allocation scores are compared as sorted lines. */
export function scoresMatch(expected: string, actual: string): boolean {
  const sort = (t: string) => t.split("\n").filter((l) => l.trim() !== "").sort().join("\n");
  return sort(expected) === sort(actual);
}

/**
 * A unified-style diff of two texts (for --diff), on normalised lines, comparing like
 * `diff -w -B`. Shows changed lines with a little context.
 */
export function showDiff(expected: string, actual: string, normaliseLine: (l: string) => string = (l) => l, context = 2): string {
  const a = diffKey(expected, normaliseLine);
  const b = diffKey(actual, normaliseLine);
  const ops = editScript(a.map((l) => l.key), b.map((l) => l.key));
  const out: string[] = [];
  let lastShown = -1;
  ops.forEach((op, i) => {
    if (op.kind === "same") return;
    for (let j = Math.max(lastShown + 1, i - context); j < i; j++) out.push(render(ops[j], a, b));
    out.push(render(op, a, b));
    lastShown = i;
    for (let j = i + 1; j <= Math.min(ops.length - 1, i + context) && ops[j].kind === "same"; j++) {
      out.push(render(ops[j], a, b));
      lastShown = j;
    }
    if (i + context + 1 < ops.length && ops.slice(i + 1, i + context + 2).every((o) => o.kind === "same")) out.push("   ...");
  });
  return out.join("\n");
}

type Op = { kind: "same" | "del" | "add"; a: number; b: number };

function render(op: Op, a: { line: string }[], b: { line: string }[]): string {
  if (op.kind === "del") return `-  ${a[op.a].line}`;
  if (op.kind === "add") return `+  ${b[op.b].line}`;
  return `   ${a[op.a].line}`;
}

/** Shortest edit script by dynamic programming over the longest common subsequence. */
function editScript(a: string[], b: string[]): Op[] {
  // Trim the common prefix and suffix first: outputs usually differ in a few places only.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const n = a.length - pre - suf;
  const m = b.length - pre - suf;
  const ops: Op[] = [];
  for (let i = 0; i < pre; i++) ops.push({ kind: "same", a: i, b: i });
  if (n * m > 4_000_000) {
    // Too big to align: show it as a replacement.
    for (let i = 0; i < n; i++) ops.push({ kind: "del", a: pre + i, b: -1 });
    for (let j = 0; j < m; j++) ops.push({ kind: "add", a: -1, b: pre + j });
  } else {
    const lcs: Uint32Array[] = [];
    for (let i = 0; i <= n; i++) lcs.push(new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = a[pre + i] === b[pre + j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] === b[pre + j]) ops.push({ kind: "same", a: pre + i++, b: pre + j++ });
      else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ kind: "del", a: pre + i++, b: -1 });
      else ops.push({ kind: "add", a: -1, b: pre + j++ });
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ kind: "same", a: a.length - suf + k, b: b.length - suf + k });
  return ops;
}
