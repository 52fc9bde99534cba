// %0..%9 in a rule's attribute names refer to the captures of the location constraint's
// rsc-pattern, so one constraint can say "run each resource where its own attribute is set".

/** Replace %0..%9 with the given captures (a capture that did not take part is empty). */
export function expandSubmatches(text: string, submatches: readonly string[] | undefined): string {
  if (!submatches || !text.includes("%")) return text;
  return text.replace(/%(\d)/g, (_, d: string) => submatches[Number(d)] ?? "");
}
