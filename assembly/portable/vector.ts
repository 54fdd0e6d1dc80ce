// JavaScript twin of assembly/vector.ts: the same primitives, lane by lane in scalar code
// (same operations in the same order, so the same bits). See that file for the contracts.

export function dot(x: Float64Array, xo: i32, y: Float64Array, yo: i32, len: i32): f64 {
  let s0 = 0.0;
  let s1 = 0.0;
  let s2 = 0.0;
  let s3 = 0.0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    s0 += x[xo + i] * y[yo + i];
    s1 += x[xo + i + 1] * y[yo + i + 1];
    s2 += x[xo + i + 2] * y[yo + i + 2];
    s3 += x[xo + i + 3] * y[yo + i + 3];
  }
  for (; i < len; i++) s0 += x[xo + i] * y[yo + i];
  return (s0 + s1) + (s2 + s3);
}

export function dotInlined(x: Float64Array, xo: i32, y: Float64Array, yo: i32, len: i32): f64 {
  return dot(x, xo, y, yo, len);
}

export function axpy(y: Float64Array, yo: i32, a: f64, x: Float64Array, xo: i32, len: i32): void {
  for (let i = 0; i < len; i++) y[yo + i] += a * x[xo + i];
}

export function shearRows(x: Float64Array, xo: i32, yo: i32, len: i32, s: f64, tau: f64): void {
  for (let i = 0; i < len; i++) shearAt(x, xo + i, yo + i, s, tau);
}

export function shearRowsDot(x: Float64Array, xo: i32, yo: i32, zo: i32, len: i32, s: f64, tau: f64): f64 {
  // dot()'s four partial sums (i mod 4, the tail into the first), in the same pass as the shears
  let d0 = 0.0;
  let d1 = 0.0;
  let d2 = 0.0;
  let d3 = 0.0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    d0 += shearAt(x, xo + i, yo + i, s, tau) * x[zo + i];
    d1 += shearAt(x, xo + i + 1, yo + i + 1, s, tau) * x[zo + i + 1];
    d2 += shearAt(x, xo + i + 2, yo + i + 2, s, tau) * x[zo + i + 2];
    d3 += shearAt(x, xo + i + 3, yo + i + 3, s, tau) * x[zo + i + 3];
  }
  for (; i < len; i++) d0 += shearAt(x, xo + i, yo + i, s, tau) * x[zo + i];
  return (d0 + d1) + (d2 + d3);
}

export let secondDot = 0.0;

export function shearTwoPairsDot(x: Float64Array, xo: i32, yo: i32, s: f64, tau: f64, uo: i32, vo: i32, s2: f64, tau2: f64, zo: i32, len: i32): f64 {
  // two partial sums for each product (i mod 2), in the same pass as the shears
  let d0 = 0.0;
  let d1 = 0.0;
  let e0 = 0.0;
  let e1 = 0.0;
  for (let i = 0; i < len; i++) {
    const a1 = shearAt(x, xo + i, yo + i, s, tau);
    const c1 = shearAt(x, uo + i, vo + i, s2, tau2);
    const d = a1 * x[zo + i];
    const e = c1 * x[yo + i];
    if ((i & 1) == 0) {
      d0 += d;
      e0 += e;
    } else {
      d1 += d;
      e1 += e;
    }
  }
  secondDot = e0 + e1;
  return d0 + d1;
}

/** shearRows() on one element pair, x[xo] and x[yo]; returns the new x[xo]. */
function shearAt(x: Float64Array, xo: i32, yo: i32, s: f64, tau: f64): f64 {
  const a = x[xo];
  const b = x[yo];
  const b1 = b + s * (a - tau * b);
  const a1 = a - tau * (b + b1);
  x[yo] = b1;
  x[xo] = a1;
  return a1;
}

export function subtractRowSquares(x: Float64Array, xo: i32, yo: i32, len: i32, f: f64): f64 {
  let d0 = 0.0;
  let d1 = 0.0;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const n0 = x[xo + i] - f * x[yo + i];
    const n1 = x[xo + i + 1] - f * x[yo + i + 1];
    x[xo + i] = n0;
    x[xo + i + 1] = n1;
    d0 += n0 * n0;
    d1 += n1 * n1;
  }
  if (i < len) {
    const n0 = x[xo + i] - f * x[yo + i];
    x[xo + i] = n0;
    d0 += n0 * n0;
  }
  return d0 + d1;
}

export function subtractRowSquares2(x: Float64Array, xo: i32, x1: i32, yo: i32, len: i32, f: f64, f1: f64, o0: i32, o1: i32): void {
  const s0 = subtractRowSquares(x, xo, yo, len, f);
  const s1 = subtractRowSquares(x, x1, yo, len, f1);
  x[o0] = s0;
  x[o1] = s1;
}

export function matVec(x: Float64Array, mo: i32, rows: i32, len: i32, vo: i32, yo: i32): void {
  for (let r = 0; r < rows; r++) x[yo + r] = dot(x, mo + r * len, x, vo, len);
}

export function matVec2(x: Float64Array, mo: i32, rows: i32, len: i32, v0: i32, v1: i32, y0: i32, y1: i32): void {
  for (let r = 0; r < rows; r++) {
    x[y0 + r] = dot(x, mo + r * len, x, v0, len);
    x[y1 + r] = dot(x, mo + r * len, x, v1, len);
  }
}

export function subtractRows(x: Float64Array, mo: i32, rows: i32, len: i32, co: i32, yo: i32): void {
  for (let k = 0; k < rows; k++) {
    const f = x[co + k];
    const ro = mo + k * len;
    for (let i = 0; i < len; i++) x[yo + i] -= f * x[ro + i];
  }
}

export function dotPair(x: Float64Array, xo: i32, y: Float64Array, y0: i32, y1: i32, len: i32, out: Float64Array, o0: i32, o1: i32): void {
  out[o0] = dot(x, xo, y, y0, len);
  out[o1] = dot(x, xo, y, y1, len);
}

export function matrixTimesPair(m: Float64Array, mo: i32, d: i32, y: Float64Array, y0: i32, y1: i32, out: Float64Array, o0: i32, o1: i32): void {
  for (let r = 0; r < d; r++) dotPair(m, mo + r * d, y, y0, y1, d, out, o0 + r, o1 + r);
}

export function matrixTimesRowsInOrder(m: Float64Array, mo: i32, d: i32, y: Float64Array, n: i32, out: Float64Array): void {
  for (let j = 0; j < n; j++) {
    for (let r = 0; r < d; r++) {
      let s = 0.0;
      for (let c = 0; c < d; c++) s += m[mo + r * d + c] * y[j * d + c];
      out[j * d + r] = s;
    }
  }
}

export function subtractOuterProducts(g: Float64Array, a: Float64Array, y: Float64Array, n: i32, d: i32): void {
  for (let j = 0; j < n; j++) {
    for (let r = 0; r < d; r++) {
      const f = a[j * d + r];
      for (let c = 0; c < d; c++) g[r * d + c] -= f * y[j * d + c];
    }
  }
}

export function standardize(x: Float64Array, xo: i32, m: Float64Array, mo: i32, s: Float64Array, so: i32, z: Float64Array, zo: i32, len: i32): f64 {
  let q = 0.0;
  for (let i = 0; i < len; i++) {
    const v = (x[xo + i] - m[mo + i]) * s[so + i];
    z[zo + i] = v;
    q += v * v;
  }
  return q;
}

export function subtractProducts(s: f64, x: Float64Array, xo: i32, y: Float64Array, yo: i32, len: i32): f64 {
  for (let i = 0; i < len; i++) s -= x[xo + i] * y[yo + i];
  return s;
}

export function axpyRow(y: Float64Array, yo: i32, b: Float64Array, bo: i32, a: f64, x: Float64Array, xo: i32, len: i32): void {
  for (let i = 0; i < len; i++) y[yo + i] = b[bo + i] + x[xo + i] * a;
}

export function lineRows(y: Float64Array, yo: i32, G: i32, t: Float64Array, to: i32, x: Float64Array, xo: i32, len: i32): void {
  for (let g = G - 1; g >= 0; g--) axpyRow(y, yo + g * len, y, yo, t[to + g], x, xo, len);
}

export function matVecSkipping(m: Float64Array, mo: i32, rows: i32, len: i32, x: Float64Array, xo: i32, skip: i32, out: Float64Array, oo: i32): void {
  for (let r = 0; r < rows; r++) {
    let v = 0.0;
    for (let c = 0; c < len; c++) if (c != skip) v += m[mo + r * len + c] * x[xo + c];
    out[oo + r] = v;
  }
}

export function allFinite(x: Float64Array, xo: i32, len: i32): i32 {
  let s = 0.0;
  for (let i = 0; i < len; i++) s += x[xo + i] * 0.0;
  return s == 0.0 ? 1 : 0;
}

export function swapRanges(x: Float64Array, xo: i32, yo: i32, len: i32): void {
  for (let i = 0; i < len; i++) {
    const t = x[xo + i];
    x[xo + i] = x[yo + i];
    x[yo + i] = t;
  }
}

export function divideRow(x: Float64Array, xo: i32, len: i32, d: f64): void {
  for (let i = 0; i < len; i++) x[xo + i] /= d;
}

export function addSquares(z: Float64Array, zo: i32, x: Float64Array, xo: i32, len: i32): void {
  for (let i = 0; i < len; i++) z[zo + i] += x[xo + i] * x[xo + i];
}

export function absMax(x: Float64Array, xo: i32, len: i32): f64 {
  let m = 0.0;
  for (let i = 0; i < len; i++) m = Math.max(m, Math.abs(x[xo + i]));
  return m;
}

export function transpose(x: Float64Array, xo: i32, rows: i32, cols: i32, xs: i32, y: Float64Array, yo: i32, ys: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) y[yo + c * ys + r] = x[xo + r * xs + c];
  }
}

export function rowSquares(x: Float64Array, mo: i32, rows: i32, len: i32, y: Float64Array, yo: i32): void {
  for (let r = 0; r < rows; r++) y[yo + r] = dot(x, mo + r * len, x, mo + r * len, len);
}
