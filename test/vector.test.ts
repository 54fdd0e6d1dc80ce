// The vector primitives behind the mixture density, a custom target's line points, batch
// checks and RoVI's gradient compute, on both backends, the bits of their plain definitions:
// elements in order, SIMD pairs and the odd tail alike (lengths 0 to 9, offsets that break
// 16-byte alignment).
import { describe, expect, test } from "vitest";
import { getBackend, type Backend } from "../src/backend.js";

const backends: Backend[] = await Promise.all([getBackend("wasm"), getBackend("js")]);

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}

function filled(backend: Backend, values: number[]) {
  const b = backend.f64(values.length);
  b.view.set(values);
  return b;
}

const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9];

describe.each(backends.map((b) => [b.name, b] as const))("%s backend", (_, backend) => {
  const k = backend.kernels as unknown as Record<string, (...args: number[]) => number>;

  test.each(LENGTHS)("standardize, length %i: z = (x - m) s and the sum of z^2 in order", (len) => {
    const rand = lcg(11 + len);
    const x = Array.from({ length: len + 3 }, () => 50 * rand());
    const m = Array.from({ length: len + 1 }, () => 50 * rand());
    const s = Array.from({ length: len + 2 }, () => 1 + rand());
    const [bx, bm, bs, bz] = [filled(backend, x), filled(backend, m), filled(backend, s), filled(backend, new Array(len + 5).fill(7))];
    const q = k.standardize(bx.handle as number, 3, bm.handle as number, 1, bs.handle as number, 2, bz.handle as number, 5, len);
    let want = 0;
    for (let i = 0; i < len; i++) {
      const z = (x[3 + i] - m[1 + i]) * s[2 + i];
      expect(bz.view[5 + i]).toBe(z);
      want += z * z;
    }
    expect(q).toBe(want);
    expect(Array.from(bz.view.subarray(0, 5))).toEqual([7, 7, 7, 7, 7]); // nothing written before zo
  });

  test.each(LENGTHS)("allFinite, length %i: 1 unless some entry (in either lane, in the tail) is NaN or infinite", (len) => {
    const rand = lcg(5 + len);
    const x = Array.from({ length: len + 1 }, () => 1e300 * rand());
    expect(k.allFinite(filled(backend, x).handle as number, 1, len)).toBe(1);
    for (let at = 0; at < len; at++)
      for (const bad of [NaN, Infinity, -Infinity]) {
        const y = x.slice();
        y[1 + at] = bad;
        expect(k.allFinite(filled(backend, y).handle as number, 1, len)).toBe(0);
      }
    const outside = x.slice();
    outside[0] = NaN; // before xo: not looked at
    expect(k.allFinite(filled(backend, outside).handle as number, 1, len)).toBe(1);
  });

  test.each(LENGTHS)("axpyRow, length %i: b + x a along a row, into another row or in place", (len) => {
    const rand = lcg(41 + len);
    const rows = Array.from({ length: 2 * len + 3 }, () => 9 * rand());
    const x = Array.from({ length: len + 2 }, () => 9 * rand());
    const a = 0.37 + rand();
    const bx = filled(backend, x);
    const other = filled(backend, rows);
    k.axpyRow(other.handle as number, len + 3, other.handle as number, 1, a, bx.handle as number, 2, len);
    const inPlace = filled(backend, rows);
    k.axpyRow(inPlace.handle as number, 1, inPlace.handle as number, 1, a, bx.handle as number, 2, len);
    for (let i = 0; i < len; i++) {
      const want = rows[1 + i] + x[2 + i] * a;
      expect(other.view[len + 3 + i]).toBe(want);
      expect(inPlace.view[1 + i]).toBe(want);
    }
  });

  test.each(LENGTHS)("lineRows, rows of length %i: row g = b + t_g x for G = 1 and 4, b the first row, written last", (len) => {
    const rand = lcg(43 + len);
    for (const G of [1, 4]) {
      const b = Array.from({ length: len }, () => 9 * rand());
      const x = Array.from({ length: len + 1 }, () => 9 * rand());
      const t = Array.from({ length: G + 2 }, () => 3 * rand());
      // the rows from y[1], one entry before and after them left alone
      const y = filled(backend, [7, ...b, ...new Array((G - 1) * len + 1).fill(7)]);
      k.lineRows(y.handle as number, 1, G, filled(backend, t).handle as number, 2, filled(backend, x).handle as number, 1, len);
      for (let g = 0; g < G; g++) for (let i = 0; i < len; i++) expect(y.view[1 + g * len + i]).toBe(b[i] + x[1 + i] * t[2 + g]);
      expect([y.view[0], y.view[1 + G * len]]).toEqual([7, 7]);
    }
  });

  test.each(LENGTHS.filter((len) => len > 0))("matVecSkipping, %i columns: each row times x without one column (or none), a running sum in order", (len) => {
    const rand = lcg(47 + len);
    for (const rows of [1, 2, 3, 5]) {
      for (const skip of [-1, 0, len - 1, len >> 1]) {
        const m = Array.from({ length: rows * len + 3 }, () => 9 * rand());
        const x = Array.from({ length: len + 2 }, () => 9 * rand());
        const out = filled(backend, new Array(rows + 2).fill(7));
        k.matVecSkipping(filled(backend, m).handle as number, 3, rows, len, filled(backend, x).handle as number, 2, skip, out.handle as number, 1);
        for (let r = 0; r < rows; r++) {
          let want = 0;
          for (let c = 0; c < len; c++) if (c !== skip) want += m[3 + r * len + c] * x[2 + c];
          expect(out.view[1 + r]).toBe(want);
        }
        expect([out.view[0], out.view[rows + 1]]).toEqual([7, 7]);
      }
    }
  });

  test.each(LENGTHS)("subtractProducts, length %i: s - x_0 y_0 - x_1 y_1 - ... in order", (len) => {
    const rand = lcg(23 + len);
    const x = Array.from({ length: len + 1 }, () => 1e3 * rand());
    const y = Array.from({ length: len + 2 }, () => 1e-3 * rand());
    const s = 0.1 + rand();
    let want = s;
    for (let i = 0; i < len; i++) want -= x[1 + i] * y[2 + i];
    expect(k.subtractProducts(s, filled(backend, x).handle as number, 1, filled(backend, y).handle as number, 2, len)).toBe(want);
  });

  // dot() as vector.ts defines it: partial sums s_k over i = k mod 4, the tail into s_0,
  // combined as (s_0 + s_1) + (s_2 + s_3)
  const plainDot = (x: ArrayLike<number>, xo: number, y: ArrayLike<number>, yo: number, len: number) => {
    const s = [0, 0, 0, 0];
    let i = 0;
    for (; i + 3 < len; i += 4) for (let k = 0; k < 4; k++) s[k] += x[xo + i + k] * y[yo + i + k];
    for (; i < len; i++) s[0] += x[xo + i] * y[yo + i];
    return s[0] + s[1] + (s[2] + s[3]);
  };
  const LONGER = [...LENGTHS, 12, 13, 15, 16, 17];

  test.each(LONGER)("matVec2, row length %i: each row of a matrix against two vectors, as dot() (0 to 5 rows)", (len) => {
    for (let rows = 0; rows <= 5; rows++) {
      const rand = lcg(61 + len * 7 + rows);
      // matrix at 1, vectors at 1 + rows len and after it (odd offsets), outputs after them
      const mo = 1, v0 = mo + rows * len, v1 = v0 + len + 1, y0 = v1 + len, y1 = y0 + rows + 1;
      const x = Array.from({ length: y1 + rows + 1 }, () => 9 * rand());
      const b = filled(backend, x);
      k.matVec2(b.handle as number, mo, rows, len, v0, v1, y0, y1);
      for (let r = 0; r < rows; r++) {
        expect(b.view[y0 + r]).toBe(plainDot(x, mo + r * len, x, v0, len));
        expect(b.view[y1 + r]).toBe(plainDot(x, mo + r * len, x, v1, len));
      }
      expect(b.view[y0 + rows]).toBe(x[y0 + rows]); // nothing written past the outputs
      expect(b.view[y1 + rows]).toBe(x[y1 + rows]);
    }
  });

  test.each(LONGER)("subtractRowSquares2, length %i: two rows minus multiples of a third, their sums of squares over i mod 2", (len) => {
    const rand = lcg(71 + len);
    const xo = 1, x1 = xo + len, yo = x1 + len + 1, o0 = yo + len, o1 = o0 + 1;
    const x = Array.from({ length: o1 + 2 }, () => 5 * rand());
    const f = 0.3 + rand(), f1 = -0.7 + rand();
    const b = filled(backend, x);
    k.subtractRowSquares2(b.handle as number, xo, x1, yo, len, f, f1, o0, o1);
    for (const [ro, g, o] of [[xo, f, o0], [x1, f1, o1]]) {
      const s = [0, 0];
      let i = 0;
      for (; i + 1 < len; i += 2) for (let l = 0; l < 2; l++) {
        const v = x[ro + i + l] - g * x[yo + i + l];
        expect(b.view[ro + i + l]).toBe(v);
        s[l] += v * v;
      }
      if (i < len) {
        const v = x[ro + i] - g * x[yo + i];
        expect(b.view[ro + i]).toBe(v);
        s[0] += v * v;
      }
      expect(b.view[o]).toBe(s[0] + s[1]);
    }
    expect(Array.from(b.view.subarray(yo, yo + len))).toEqual(x.slice(yo, yo + len)); // row yo is only read
  });

  test.each(LONGER)("subtractRows, length %i: a row minus the rows of a matrix times coefficients, in order of the rows", (len) => {
    for (const rows of [0, 1, 2, 5]) {
      const rand = lcg(81 + len * 3 + rows);
      const mo = 1, co = mo + rows * len, yo = co + rows + 1;
      const x = Array.from({ length: yo + len + 1 }, () => 4 * rand());
      const b = filled(backend, x);
      k.subtractRows(b.handle as number, mo, rows, len, co, yo);
      for (let i = 0; i < len; i++) {
        let y = x[yo + i];
        for (let r = 0; r < rows; r++) y -= x[co + r] * x[mo + r * len + i];
        expect(b.view[yo + i]).toBe(y);
      }
      expect(b.view[yo + len]).toBe(x[yo + len]);
    }
  });

  test.each(LONGER)("rowSquares, row length %i: each row's squared norm, as dot() (0 to 5 rows)", (len) => {
    for (let rows = 0; rows <= 5; rows++) {
      const rand = lcg(91 + len * 5 + rows);
      const mo = 1, yo = mo + rows * len + 1;
      const x = Array.from({ length: yo + rows + 1 }, () => 7 * rand());
      const b = filled(backend, x);
      k.rowSquares(b.handle as number, mo, rows, len, b.handle as number, yo);
      for (let r = 0; r < rows; r++) expect(b.view[yo + r]).toBe(plainDot(x, mo + r * len, x, mo + r * len, len));
      expect(b.view[yo + rows]).toBe(x[yo + rows]);
    }
  });

  test.each(LENGTHS)("transpose, %i columns: a strided block into its transpose (0 to 5 rows)", (cols) => {
    for (let rows = 0; rows <= 5; rows++) {
      const rand = lcg(101 + cols * 9 + rows);
      const xs = cols + 3, ys = rows + 1;
      const x = Array.from({ length: 1 + rows * xs }, () => rand());
      const y = Array.from({ length: 2 + cols * ys }, () => 5);
      const bx = filled(backend, x), by = filled(backend, y);
      k.transpose(bx.handle as number, 1, rows, cols, xs, by.handle as number, 2, ys);
      const want = y.slice();
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[2 + c * ys + r] = x[1 + r * xs + c];
      expect(Array.from(by.view)).toEqual(want);
    }
  });

  test.each(LENGTHS)("swapRanges, divideRow, addSquares, absMax, length %i: element by element", (len) => {
    const rand = lcg(111 + len);
    const x = Array.from({ length: 2 * len + 3 }, () => 1e3 * rand());
    const b = filled(backend, x);
    k.swapRanges(b.handle as number, 1, len + 2, len);
    const swapped = x.slice();
    for (let i = 0; i < len; i++) [swapped[1 + i], swapped[len + 2 + i]] = [x[len + 2 + i], x[1 + i]];
    expect(Array.from(b.view)).toEqual(swapped);
    const d = 3.7 + rand();
    const q = filled(backend, x);
    k.divideRow(q.handle as number, 1, len, d);
    expect(Array.from(q.view)).toEqual(x.map((v, i) => (i >= 1 && i < 1 + len ? v / d : v)));
    const z = filled(backend, x.slice(0, len + 1));
    k.addSquares(z.handle as number, 1, b.handle as number, 2, len);
    expect(Array.from(z.view)).toEqual(x.slice(0, len + 1).map((v, i) => (i >= 1 ? v + swapped[1 + i] * swapped[1 + i] : v)));
    let m = 0;
    for (let i = 0; i < len; i++) m = Math.max(m, Math.abs(x[1 + i]));
    expect(k.absMax(filled(backend, x).handle as number, 1, len)).toBe(m);
    for (let at = 0; at < len; at++) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const y = x.slice();
        y[1 + at] = bad;
        expect(k.absMax(filled(backend, y).handle as number, 1, len)).toBe(Number.isNaN(bad) ? NaN : Infinity);
      }
    }
  });

  const inOrder = (x: ArrayLike<number>, xo: number, y: ArrayLike<number>, yo: number, len: number) => {
    let s = 0;
    for (let c = 0; c < len; c++) s += x[xo + c] * y[yo + c];
    return s;
  };

  test.each([1, 2, 3, 4, 5, 7, 8, 9, 10, 15, 16, 17, 63, 64, 65, 66, 68, 71])(
    "applyRotation, d = %i: each entry of R y_j the dot() of a row of R and y_j up to d = 64 (two vectors at a time, rows in the lanes), above it the sum in order of the columns (tiles of four draws by four rows, and the rest)",
    (d) => {
      for (const n of [1, 2, 4, 5, 7]) {
        const rand = lcg(71 + d * 3 + n);
        const rot = Array.from({ length: d * d }, () => 2 * rand());
        const y = Array.from({ length: n * d }, () => 5 * rand());
        const out = filled(backend, new Array(n * d + 1).fill(7));
        k.applyRotation(filled(backend, rot).handle as number, d, filled(backend, y).handle as number, n, out.handle as number);
        const entry = d <= 64 ? plainDot : inOrder;
        for (let j = 0; j < n; j++) for (let r = 0; r < d; r++) expect(out.view[j * d + r]).toBe(entry(rot, r * d, y, j * d, d));
        expect(out.view[n * d]).toBe(7); // nothing written past the outputs
      }
    },
  );

  test.each([1, 2, 3, 4, 5, 6, 7, 9, 10])(
    "roviGradient at d = %i over n = 1 to 70 draws (4 x 4 tiles of G, two columns, single entries; blocks of 32 draws): the sums in draw order",
    (d) => {
      for (const n of [1, 3, 5, 31, 32, 33, 70]) {
        const rand = lcg(31 + 7 * d + n);
        const y = Array.from({ length: n * d }, () => 3 * rand());
        const grad = Array.from({ length: n * d }, () => 10 * rand());
        const logp = Array.from({ length: n }, () => -5 + rand());
        const g = filled(backend, new Array(d * d + 1).fill(7));
        const f = k.roviGradient(filled(backend, y).handle as number, filled(backend, grad).handle as number, filled(backend, logp).handle as number, n, d, g.handle as number);
        const want = new Float64Array(d * d);
        let fw = 0;
        for (let j = 0; j < n; j++) {
          fw -= logp[j];
          for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) want[r * d + c] += -grad[j * d + r] * y[j * d + c];
        }
        expect(Array.from(g.view.subarray(0, d * d))).toEqual(Array.from(want, (v) => v * (1 / n)));
        expect(g.view[d * d]).toBe(7);
        expect(f).toBe(fw * (1 / n));
      }
    },
  );
});
