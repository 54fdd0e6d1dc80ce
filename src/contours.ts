// Contour lines of a function sampled on a grid, by marching squares (the study's contour plots).

/** Values on a rectangular grid: values[j * xs.length + i] is the value at (xs[i], ys[j]). */
export interface Grid2D {
  readonly xs: ArrayLike<number>;
  readonly ys: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/**
 * Marching squares: contour polylines of `grid` at `level`, in data coordinates. Values below
 * the level are "outside"; -Infinity and NaN count as very low. Saddle cells are resolved by
 * the cell's mean. Segments are joined into polylines through their shared cell edges.
 */
export function contourLines(grid: Grid2D, level: number): number[][] {
  const { xs, ys } = grid;
  const nx = xs.length;
  const ny = ys.length;
  const floor = level - 1e6;
  const v = (i: number, j: number) => {
    const a = grid.values[j * nx + i];
    return a > floor ? a : floor; // also maps NaN to floor
  };
  // edge ids: horizontal (i,j)-(i+1,j) -> 2 (j nx + i); vertical (i,j)-(i,j+1) -> 2 (j nx + i) + 1
  const pointOf = new Map<number, [number, number]>();
  const edgePoint = (id: number): [number, number] => {
    let p = pointOf.get(id);
    if (p) return p;
    const cell = id >> 1;
    const i = cell % nx;
    const j = (cell - i) / nx;
    if ((id & 1) === 0) {
      const a = v(i, j);
      const b = v(i + 1, j);
      const t = (level - a) / (b - a);
      p = [xs[i] + t * (xs[i + 1] - xs[i]), ys[j]];
    } else {
      const a = v(i, j);
      const b = v(i, j + 1);
      const t = (level - a) / (b - a);
      p = [xs[i], ys[j] + t * (ys[j + 1] - ys[j])];
    }
    pointOf.set(id, p);
    return p;
  };
  const links = new Map<number, number[]>();
  const link = (a: number, b: number) => {
    (links.get(a) ?? links.set(a, []).get(a)!).push(b);
    (links.get(b) ?? links.set(b, []).get(b)!).push(a);
  };
  for (let j = 0; j + 1 < ny; j++)
    for (let i = 0; i + 1 < nx; i++) {
      const a = v(i, j); // bottom-left
      const b = v(i + 1, j); // bottom-right
      const c = v(i + 1, j + 1); // top-right
      const d = v(i, j + 1); // top-left
      const code = (a >= level ? 1 : 0) | (b >= level ? 2 : 0) | (c >= level ? 4 : 0) | (d >= level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const bottom = 2 * (j * nx + i);
      const top = 2 * ((j + 1) * nx + i);
      const left = 2 * (j * nx + i) + 1;
      const right = 2 * (j * nx + i + 1) + 1;
      const centreHigh = (a + b + c + d) / 4 >= level;
      switch (code) {
        case 1: case 14: link(left, bottom); break;
        case 2: case 13: link(bottom, right); break;
        case 3: case 12: link(left, right); break;
        case 4: case 11: link(right, top); break;
        case 6: case 9: link(bottom, top); break;
        case 7: case 8: link(left, top); break;
        case 5: // a and c high
          if (centreHigh) { link(left, top); link(bottom, right); } else { link(left, bottom); link(right, top); }
          break;
        case 10: // b and d high
          if (centreHigh) { link(left, bottom); link(right, top); } else { link(left, top); link(bottom, right); }
          break;
      }
    }
  // walk the chains: start at ends (degree 1) first, then the remaining closed loops
  const used = new Set<string>();
  const key = (a: number, b: number) => (a < b ? `${a},${b}` : `${b},${a}`);
  const lines: number[][] = [];
  const walk = (start: number) => {
    const line: number[] = [...edgePoint(start)];
    let prev = -1;
    let cur = start;
    for (;;) {
      const next = (links.get(cur) ?? []).find((n) => n !== prev && !used.has(key(cur, n))) ?? (links.get(cur) ?? []).find((n) => !used.has(key(cur, n)));
      if (next === undefined) break;
      used.add(key(cur, next));
      line.push(...edgePoint(next));
      prev = cur;
      cur = next;
    }
    if (line.length >= 4) lines.push(line);
  };
  for (const [id, ns] of links) if (ns.length === 1 && !used.has(key(id, ns[0]))) walk(id);
  for (const [id, ns] of links) if (ns.some((n) => !used.has(key(id, n)))) walk(id);
  return lines;
}
