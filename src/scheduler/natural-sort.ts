// Pacemaker sorts node names "naturally": case-insensitive, runs of digits compared as numbers
// (node2 < node10), and for equal numbers the one written with more digits sorts later.
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a[i];
    const cb = b[j];
    if (isDigit(ca) && isDigit(cb)) {
      let ei = i;
      while (ei < a.length && isDigit(a[ei])) ei++;
      let ej = j;
      while (ej < b.length && isDigit(b[ej])) ej++;
      const na = a.slice(i, ei).replace(/^0+/, "");
      const nb = b.slice(j, ej).replace(/^0+/, "");
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      const la = ei - i;
      const lb = ej - j;
      if (la !== lb) return la - lb;
      i = ei;
      j = ej;
      continue;
    }
    const la = ca.toLowerCase();
    const lb = cb.toLowerCase();
    if (la !== lb) return la < lb ? -1 : 1;
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}
