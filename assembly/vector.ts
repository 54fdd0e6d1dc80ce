// Vector primitives on rows of Float64Arrays, in two spellings: this file uses WASM SIMD
// (f64x2: two lanes), assembly/portable/vector.ts is the scalar JavaScript twin that
// scripts/build.mjs puts in its place. Every primitive is defined lane by lane, so the twins
// agree bit for bit: element-wise ones trivially; a reduction keeps its partial sums in the
// lanes (lane k sums the elements i with i mod 2 = k, or mod 4 over two vectors), the tail
// goes to lane 0, and the lanes are combined in a fixed order. f64x2.mul and f64x2.add round
// each lane exactly as scalar * and + do (no fused multiply-add).
// Offsets and lengths are in elements; rows may overlap only where a function says so.

// @ts-ignore: decorator
@inline function at(x: Float64Array, i: i32): usize {
  return x.dataStart + (<usize>i << 3);
}

/** The pair of f64s at p and p + step in lanes 0 and 1 (WASM only: the twins index instead). */
// @ts-ignore: decorator
@inline export function pairAt(p: usize, step: usize): v128 {
  return v128.load64_lane(p + step, v128.load64_splat(p), 1);
}

/**
 * dot()'s total of four partial sums: lane 0 of a with the scalar tail added (s0), then
 * (s0 + a_1) + (b_0 + b_1). Every dot-shaped primitive ends this way, for the same bits.
 */
// @ts-ignore: decorator
@inline function dotTotal(s0: f64, a: v128, b: v128): f64 {
  return (s0 + f64x2.extract_lane(a, 1)) + (f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1));
}

/**
 * x[xo .. xo+len) . y[yo .. yo+len) with four partial sums s_k over i = k mod 4 (the tail
 * into s_0), returned as (s_0 + s_1) + (s_2 + s_3).
 */
export function dot(x: Float64Array, xo: i32, y: Float64Array, yo: i32, len: i32): f64 {
  return dotInlined(x, xo, y, yo, len);
}

/** dot(), inlined where it runs once per pair of rows: the Jacobi sweep (svd 50 1.03x faster). */
// @ts-ignore: decorator
@inline export function dotInlined(x: Float64Array, xo: i32, y: Float64Array, yo: i32, len: i32): f64 {
  let a = f64x2.splat(0.0);
  let b = f64x2.splat(0.0);
  const px = at(x, xo);
  const py = at(y, yo);
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const o = <usize>i << 3;
    a = f64x2.add(a, f64x2.mul(v128.load(px + o), v128.load(py + o)));
    b = f64x2.add(b, f64x2.mul(v128.load(px + o, 16), v128.load(py + o, 16)));
  }
  let s0: f64 = f64x2.extract_lane(a, 0);
  for (; i < len; i++) s0 += x[xo + i] * y[yo + i];
  return dotTotal(s0, a, b);
}

/** y[yo + i] += a x[xo + i] for i < len. */
export function axpy(y: Float64Array, yo: i32, a: f64, x: Float64Array, xo: i32, len: i32): void {
  const va = f64x2.splat(a);
  const px = at(x, xo);
  const py = at(y, yo);
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const o = <usize>i << 3;
    v128.store(py + o, f64x2.add(v128.load(py + o), f64x2.mul(va, v128.load(px + o))));
  }
  if (i < len) y[yo + i] += a * x[xo + i];
}

/** The shears' new y in the lanes: y + s (x - tau y). */
// @ts-ignore: decorator
@inline function shearedY(x: v128, y: v128, vs: v128, vt: v128): v128 {
  return f64x2.add(y, f64x2.mul(vs, f64x2.sub(x, f64x2.mul(vt, y))));
}

/** The shears' new x in the lanes, from the new y1: x - tau (y + y1). */
// @ts-ignore: decorator
@inline function shearedX(x: v128, y: v128, y1: v128, vt: v128): v128 {
  return f64x2.sub(x, f64x2.mul(vt, f64x2.add(y, y1)));
}

/** The shears on one element pair, x[xo] and x[yo]; returns the new x[xo]. */
// @ts-ignore: decorator
@inline function shearAt(x: Float64Array, xo: i32, yo: i32, s: f64, tau: f64): f64 {
  const a = x[xo];
  const b = x[yo];
  const b1 = b + s * (a - tau * b);
  const a1 = a - tau * (b + b1);
  x[yo] = b1;
  x[xo] = a1;
  return a1;
}

/**
 * The plane rotation (x, y) <- (c x - s y, s x + c y) of rows xo and yo of one array as three
 * shears, x1 = x - tau y, y' = y + s x1, x' = x1 - tau y' with tau = s / (1 + c) =
 * tan(theta / 2), computed as y' = y + s (x - tau y) and x' = x - tau (y + y'): seven
 * operations an element, one fewer than Rutishauser's x - s (y + tau x), y + s (x - tau y),
 * and as accurate (each output rounds once on top of a small correction). Each shear has
 * determinant 1, so rounding errors in s and tau (or s = 2 tau / (1 + tau^2) computed from
 * tau) change the norms only to second order in the angle: many rotations do not drift the
 * row norms.
 */
export function shearRows(x: Float64Array, xo: i32, yo: i32, len: i32, s: f64, tau: f64): void {
  const vs = f64x2.splat(s);
  const vt = f64x2.splat(tau);
  const px = at(x, xo);
  const py = at(x, yo);
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const o = <usize>i << 3;
    const a = v128.load(px + o);
    const b = v128.load(py + o);
    const b1 = shearedY(a, b, vs, vt);
    v128.store(py + o, b1);
    v128.store(px + o, shearedX(a, b, b1, vt));
  }
  if (i < len) shearAt(x, xo + i, yo + i, s, tau);
}

/**
 * shearRows(x, xo, yo, len, s, tau), returning (new row xo) . (row zo) from the same pass, summed
 * as dot() sums it (four partial sums over i mod 4, the tail into the first): the same bits as
 * dot() of the rotated row, with two independent chains of additions where one would be the
 * Jacobi sweep's longest latency. Row zo may not be row xo or yo.
 */
// @ts-ignore: decorator
@inline export function shearRowsDot(x: Float64Array, xo: i32, yo: i32, zo: i32, len: i32, s: f64, tau: f64): f64 {
  const vs = f64x2.splat(s);
  const vt = f64x2.splat(tau);
  const px = at(x, xo);
  const py = at(x, yo);
  const pz = at(x, zo);
  let acc0 = f64x2.splat(0.0);
  let acc1 = f64x2.splat(0.0);
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const o = <usize>i << 3;
    const a = v128.load(px + o);
    const b = v128.load(py + o);
    const c = v128.load(px + o, 16);
    const e = v128.load(py + o, 16);
    const b1 = shearedY(a, b, vs, vt);
    const e1 = shearedY(c, e, vs, vt);
    const a1 = shearedX(a, b, b1, vt);
    const c1 = shearedX(c, e, e1, vt);
    v128.store(py + o, b1);
    v128.store(py + o, e1, 16);
    v128.store(px + o, a1);
    v128.store(px + o, c1, 16);
    acc0 = f64x2.add(acc0, f64x2.mul(a1, v128.load(pz + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(c1, v128.load(pz + o, 16)));
  }
  let d0: f64 = f64x2.extract_lane(acc0, 0);
  for (; i < len; i++) d0 += shearAt(x, xo + i, yo + i, s, tau) * x[zo + i];
  return dotTotal(d0, acc0, acc1);
}

/** The second dot product of the last shearTwoPairsDot() call (new row uo . new row yo). */
export let secondDot: f64 = 0.0;

/**
 * Two shearRows() in one pass over four distinct rows, (xo, yo) by (s, tau) and (uo, vo) by
 * (s2, tau2), with two dot products from the same pass, each summed over i mod 2: returns
 * (new row xo) . (row zo), and leaves (new row uo) . (new row yo) in secondDot. Row zo is read
 * after the element's rotations (it may be one of the four when that product is not needed).
 * Two independent Jacobi rotations share the pass and the wait for their angles.
 */
// @ts-ignore: decorator
@inline export function shearTwoPairsDot(x: Float64Array, xo: i32, yo: i32, s: f64, tau: f64, uo: i32, vo: i32, s2: f64, tau2: f64, zo: i32, len: i32): f64 {
  const vs = f64x2.splat(s);
  const vt = f64x2.splat(tau);
  const vs2 = f64x2.splat(s2);
  const vt2 = f64x2.splat(tau2);
  const px = at(x, xo);
  const py = at(x, yo);
  const pu = at(x, uo);
  const pv = at(x, vo);
  const pz = at(x, zo);
  let acc = f64x2.splat(0.0);
  let acc2 = f64x2.splat(0.0);
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const o = <usize>i << 3;
    const a = v128.load(px + o);
    const b = v128.load(py + o);
    const b1 = shearedY(a, b, vs, vt);
    const a1 = shearedX(a, b, b1, vt);
    v128.store(py + o, b1);
    v128.store(px + o, a1);
    const c = v128.load(pu + o);
    const e = v128.load(pv + o);
    const e1 = shearedY(c, e, vs2, vt2);
    const c1 = shearedX(c, e, e1, vt2);
    v128.store(pv + o, e1);
    v128.store(pu + o, c1);
    acc = f64x2.add(acc, f64x2.mul(a1, v128.load(pz + o)));
    acc2 = f64x2.add(acc2, f64x2.mul(c1, b1));
  }
  let d0: f64 = f64x2.extract_lane(acc, 0);
  let e0: f64 = f64x2.extract_lane(acc2, 0);
  if (i < len) {
    const a1 = shearAt(x, xo + i, yo + i, s, tau);
    const c1 = shearAt(x, uo + i, vo + i, s2, tau2);
    d0 += a1 * x[zo + i];
    e0 += c1 * x[yo + i];
  }
  secondDot = e0 + f64x2.extract_lane(acc2, 1);
  return d0 + f64x2.extract_lane(acc, 1);
}

/**
 * Row xo -= f row yo, returning the sum of squares of the new row xo from the same pass (two
 * partial sums over i mod 2, the tail into the first). Rows xo and yo do not overlap.
 */
export function subtractRowSquares(x: Float64Array, xo: i32, yo: i32, len: i32, f: f64): f64 {
  const vf = f64x2.splat(f);
  const px = at(x, xo);
  const py = at(x, yo);
  let acc = f64x2.splat(0.0);
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const o = <usize>i << 3;
    const n = f64x2.sub(v128.load(px + o), f64x2.mul(vf, v128.load(py + o)));
    v128.store(px + o, n);
    acc = f64x2.add(acc, f64x2.mul(n, n));
  }
  let d0: f64 = f64x2.extract_lane(acc, 0);
  if (i < len) {
    const n = x[xo + i] - f * x[yo + i];
    x[xo + i] = n;
    d0 += n * n;
  }
  return d0 + f64x2.extract_lane(acc, 1);
}

/**
 * subtractRowSquares(x, xo, yo, len, f) and subtractRowSquares(x, x1, yo, len, f1) in one pass
 * over row yo (four independent partial sums), the sums of squares written to x[o0] and x[o1].
 * Rows xo and x1 do not overlap each other or row yo, nor do x[o0], x[o1] any of them.
 */
export function subtractRowSquares2(x: Float64Array, xo: i32, x1: i32, yo: i32, len: i32, f: f64, f1: f64, o0: i32, o1: i32): void {
  const vf = f64x2.splat(f);
  const vg = f64x2.splat(f1);
  const px = at(x, xo);
  const pw = at(x, x1);
  const py = at(x, yo);
  let acc = f64x2.splat(0.0);
  let acd = f64x2.splat(0.0);
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const o = <usize>i << 3;
    const y = v128.load(py + o);
    const n = f64x2.sub(v128.load(px + o), f64x2.mul(vf, y));
    const m = f64x2.sub(v128.load(pw + o), f64x2.mul(vg, y));
    v128.store(px + o, n);
    v128.store(pw + o, m);
    acc = f64x2.add(acc, f64x2.mul(n, n));
    acd = f64x2.add(acd, f64x2.mul(m, m));
  }
  let d0: f64 = f64x2.extract_lane(acc, 0);
  let e0: f64 = f64x2.extract_lane(acd, 0);
  if (i < len) {
    const y = x[yo + i];
    const n = x[xo + i] - f * y;
    const m = x[x1 + i] - f1 * y;
    x[xo + i] = n;
    x[x1 + i] = m;
    d0 += n * n;
    e0 += m * m;
  }
  x[o0] = d0 + f64x2.extract_lane(acc, 1);
  x[o1] = e0 + f64x2.extract_lane(acd, 1);
}

/**
 * y[yo + r] = (row r of the rows x len matrix at mo) . x[vo .. vo+len) for r < rows, each as
 * dot() computes it: two rows at a time by dotPair() with the vector as the shared operand
 * (products commute, so the bits are the same). The output does not overlap the matrix or
 * the vector.
 */
export function matVec(x: Float64Array, mo: i32, rows: i32, len: i32, vo: i32, yo: i32): void {
  let r = 0;
  for (; r + 1 < rows; r += 2) dotPair(x, vo, x, mo + r * len, mo + (r + 1) * len, len, x, yo + r, yo + r + 1);
  if (r < rows) x[yo + r] = dot(x, mo + r * len, x, vo, len);
}

/**
 * x[y0 + r] = (row r of the rows x len matrix at mo) . x[v0 .. v0+len) and x[y1 + r] = (row r)
 * . x[v1 .. v1+len) for r < rows, each as dot() computes it: two rows against the two vectors
 * at a time (eight independent partial sums, each row and vector chunk loaded once for two
 * products), the odd last row by dotPair(). The outputs do not overlap the matrix or vectors.
 */
export function matVec2(x: Float64Array, mo: i32, rows: i32, len: i32, v0: i32, v1: i32, y0: i32, y1: i32): void {
  const pu = at(x, v0);
  const pw = at(x, v1);
  const stride = <usize>len << 3;
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const ro = mo + r * len;
    const p0 = at(x, ro);
    const p1 = p0 + stride;
    let a00 = f64x2.splat(0.0);
    let b00 = f64x2.splat(0.0);
    let a01 = f64x2.splat(0.0);
    let b01 = f64x2.splat(0.0);
    let a10 = f64x2.splat(0.0);
    let b10 = f64x2.splat(0.0);
    let a11 = f64x2.splat(0.0);
    let b11 = f64x2.splat(0.0);
    let i = 0;
    for (; i + 3 < len; i += 4) {
      const o = <usize>i << 3;
      const u0 = v128.load(pu + o);
      const u1 = v128.load(pu + o, 16);
      const w0 = v128.load(pw + o);
      const w1 = v128.load(pw + o, 16);
      const r0 = v128.load(p0 + o);
      const r1 = v128.load(p0 + o, 16);
      a00 = f64x2.add(a00, f64x2.mul(r0, u0));
      b00 = f64x2.add(b00, f64x2.mul(r1, u1));
      a01 = f64x2.add(a01, f64x2.mul(r0, w0));
      b01 = f64x2.add(b01, f64x2.mul(r1, w1));
      const s0 = v128.load(p1 + o);
      const s1 = v128.load(p1 + o, 16);
      a10 = f64x2.add(a10, f64x2.mul(s0, u0));
      b10 = f64x2.add(b10, f64x2.mul(s1, u1));
      a11 = f64x2.add(a11, f64x2.mul(s0, w0));
      b11 = f64x2.add(b11, f64x2.mul(s1, w1));
    }
    let t00: f64 = f64x2.extract_lane(a00, 0);
    let t01: f64 = f64x2.extract_lane(a01, 0);
    let t10: f64 = f64x2.extract_lane(a10, 0);
    let t11: f64 = f64x2.extract_lane(a11, 0);
    for (; i < len; i++) {
      const e0 = x[ro + i];
      const e1 = x[ro + len + i];
      t00 += e0 * x[v0 + i];
      t01 += e0 * x[v1 + i];
      t10 += e1 * x[v0 + i];
      t11 += e1 * x[v1 + i];
    }
    x[y0 + r] = dotTotal(t00, a00, b00);
    x[y1 + r] = dotTotal(t01, a01, b01);
    x[y0 + r + 1] = dotTotal(t10, a10, b10);
    x[y1 + r + 1] = dotTotal(t11, a11, b11);
  }
  if (r < rows) dotPair(x, mo + r * len, x, v0, v1, len, x, y0 + r, y1 + r);
}

/**
 * Row yo -= sum_k x[co + k] (row k of the rows x len matrix at mo), the products subtracted
 * one at a time for k = 0, 1, ... (eight, then four elements of row yo kept in registers across k). Row yo
 * does not overlap the matrix or the coefficients.
 */
export function subtractRows(x: Float64Array, mo: i32, rows: i32, len: i32, co: i32, yo: i32): void {
  const pm = at(x, mo);
  const pc = at(x, co);
  const py = at(x, yo);
  const stride = <usize>len << 3;
  let i = 0;
  for (; i + 7 < len; i += 8) {
    const o = <usize>i << 3;
    let y0 = v128.load(py + o);
    let y1 = v128.load(py + o, 16);
    let y2 = v128.load(py + o, 32);
    let y3 = v128.load(py + o, 48);
    let pk = pm + o;
    let pf = pc;
    const end = pc + (<usize>rows << 3);
    for (; pf < end; pf += 8) {
      const f = v128.load64_splat(pf);
      y0 = f64x2.sub(y0, f64x2.mul(f, v128.load(pk)));
      y1 = f64x2.sub(y1, f64x2.mul(f, v128.load(pk, 16)));
      y2 = f64x2.sub(y2, f64x2.mul(f, v128.load(pk, 32)));
      y3 = f64x2.sub(y3, f64x2.mul(f, v128.load(pk, 48)));
      pk += stride;
    }
    v128.store(py + o, y0);
    v128.store(py + o, y1, 16);
    v128.store(py + o, y2, 32);
    v128.store(py + o, y3, 48);
  }
  for (; i + 3 < len; i += 4) {
    const o = <usize>i << 3;
    let y0 = v128.load(py + o);
    let y1 = v128.load(py + o, 16);
    let pk = pm + o;
    for (let k = 0; k < rows; k++) {
      const f = v128.load64_splat(pc + (<usize>k << 3));
      y0 = f64x2.sub(y0, f64x2.mul(f, v128.load(pk)));
      y1 = f64x2.sub(y1, f64x2.mul(f, v128.load(pk, 16)));
      pk += stride;
    }
    v128.store(py + o, y0);
    v128.store(py + o, y1, 16);
  }
  for (; i < len; i++) {
    let y = x[yo + i];
    for (let k = 0; k < rows; k++) y -= x[co + k] * x[mo + k * len + i];
    x[yo + i] = y;
  }
}

/**
 * out[o0] = x[xo ..] . y[y0 ..] and out[o1] = x[xo ..] . y[y1 ..] (length len), each exactly as
 * dot() computes it: one pass over x for two dot products (a d x d matrix row against two
 * vectors loads the row once, which matters once the matrix outgrows the L1 cache).
 */
export function dotPair(x: Float64Array, xo: i32, y: Float64Array, y0: i32, y1: i32, len: i32, out: Float64Array, o0: i32, o1: i32): void {
  const px = at(x, xo);
  const p0 = at(y, y0);
  const p1 = at(y, y1);
  let a0 = f64x2.splat(0.0);
  let b0 = f64x2.splat(0.0);
  let a1 = f64x2.splat(0.0);
  let b1 = f64x2.splat(0.0);
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const o = <usize>i << 3;
    const u = v128.load(px + o);
    const v = v128.load(px + o, 16);
    a0 = f64x2.add(a0, f64x2.mul(u, v128.load(p0 + o)));
    b0 = f64x2.add(b0, f64x2.mul(v, v128.load(p0 + o, 16)));
    a1 = f64x2.add(a1, f64x2.mul(u, v128.load(p1 + o)));
    b1 = f64x2.add(b1, f64x2.mul(v, v128.load(p1 + o, 16)));
  }
  let s0: f64 = f64x2.extract_lane(a0, 0);
  let t0: f64 = f64x2.extract_lane(a1, 0);
  for (; i < len; i++) {
    s0 += x[xo + i] * y[y0 + i];
    t0 += x[xo + i] * y[y1 + i];
  }
  out[o0] = dotTotal(s0, a0, b0);
  out[o1] = dotTotal(t0, a1, b1);
}

/**
 * The d x d row-major matrix at m[mo ..] times two vectors y[y0 ..] and y[y1 ..] (length d):
 * out[o0 + r] and out[o1 + r] are dot() of row r and each vector, bit for bit. Rows r and r + 1
 * share the lanes (column c of both against y_c in both lanes), with dot()'s four partial sums
 * over c mod 4 in four pairs of lanes and its tail and total: for small d, where dotPair() per
 * row spends more on its tail and totals than on its products. An odd last row goes to dotPair().
 */
export function matrixTimesPair(m: Float64Array, mo: i32, d: i32, y: Float64Array, y0: i32, y1: i32, out: Float64Array, o0: i32, o1: i32): void {
  const step = <usize>d << 3; // from row r to row r + 1
  const pa = at(y, y0);
  const pb = at(y, y1);
  const d4 = d & ~3;
  let r = 0;
  for (; r + 1 < d; r += 2) {
    const pm = at(m, mo + r * d);
    let a0 = f64x2.splat(0.0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let b0 = a0;
    let b1 = a0;
    let b2 = a0;
    let b3 = a0;
    let c = 0;
    for (; c < d4; c += 4) {
      const o = <usize>c << 3;
      const m0 = pairAt(pm + o, step);
      const m1 = pairAt(pm + o + 8, step);
      const m2 = pairAt(pm + o + 16, step);
      const m3 = pairAt(pm + o + 24, step);
      a0 = f64x2.add(a0, f64x2.mul(m0, v128.load64_splat(pa + o)));
      a1 = f64x2.add(a1, f64x2.mul(m1, v128.load64_splat(pa + o + 8)));
      a2 = f64x2.add(a2, f64x2.mul(m2, v128.load64_splat(pa + o + 16)));
      a3 = f64x2.add(a3, f64x2.mul(m3, v128.load64_splat(pa + o + 24)));
      b0 = f64x2.add(b0, f64x2.mul(m0, v128.load64_splat(pb + o)));
      b1 = f64x2.add(b1, f64x2.mul(m1, v128.load64_splat(pb + o + 8)));
      b2 = f64x2.add(b2, f64x2.mul(m2, v128.load64_splat(pb + o + 16)));
      b3 = f64x2.add(b3, f64x2.mul(m3, v128.load64_splat(pb + o + 24)));
    }
    for (; c < d; c++) {
      const o = <usize>c << 3;
      const mc = pairAt(pm + o, step);
      a0 = f64x2.add(a0, f64x2.mul(mc, v128.load64_splat(pa + o)));
      b0 = f64x2.add(b0, f64x2.mul(mc, v128.load64_splat(pb + o)));
    }
    v128.store(at(out, o0 + r), f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)));
    v128.store(at(out, o1 + r), f64x2.add(f64x2.add(b0, b1), f64x2.add(b2, b3)));
  }
  if (r < d) dotPair(m, mo + r * d, y, y0, y1, d, out, o0 + r, o1 + r);
}

/**
 * out_j = M y_j for n rows y_j (length d) of y, M the d x d row-major matrix at m[mo ..]: each
 * entry out[j d + r] = sum_c m[mo + r d + c] y[j d + c], summed in order of c from 0. Tiles of
 * four draws by four rows stay in lanes over c (four splats of y and two pairs of a column of M
 * for sixteen products); a remainder of draws or rows runs entry by entry.
 */
export function matrixTimesRowsInOrder(m: Float64Array, mo: i32, d: i32, y: Float64Array, n: i32, out: Float64Array): void {
  const rowStep = <usize>d << 3;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    let r = 0;
    for (; r + 3 < d; r += 4) {
      let a0 = f64x2.splat(0.0);
      let b0 = a0;
      let a1 = a0;
      let b1 = a0;
      let a2 = a0;
      let b2 = a0;
      let a3 = a0;
      let b3 = a0;
      let pm = at(m, mo + r * d); // m[r][c], then m[r + 1][c] one row on
      let py = at(y, j * d);
      for (let c = 0; c < d; c++) {
        const u = pairAt(pm, rowStep);
        const v = pairAt(pm + 2 * rowStep, rowStep);
        const y0 = v128.load64_splat(py);
        a0 = f64x2.add(a0, f64x2.mul(u, y0));
        b0 = f64x2.add(b0, f64x2.mul(v, y0));
        const y1 = v128.load64_splat(py + rowStep);
        a1 = f64x2.add(a1, f64x2.mul(u, y1));
        b1 = f64x2.add(b1, f64x2.mul(v, y1));
        const y2 = v128.load64_splat(py + 2 * rowStep);
        a2 = f64x2.add(a2, f64x2.mul(u, y2));
        b2 = f64x2.add(b2, f64x2.mul(v, y2));
        const y3 = v128.load64_splat(py + 3 * rowStep);
        a3 = f64x2.add(a3, f64x2.mul(u, y3));
        b3 = f64x2.add(b3, f64x2.mul(v, y3));
        pm += 8;
        py += 8;
      }
      const po = at(out, j * d + r);
      v128.store(po, a0);
      v128.store(po, b0, 16);
      v128.store(po + rowStep, a1);
      v128.store(po + rowStep, b1, 16);
      v128.store(po + 2 * rowStep, a2);
      v128.store(po + 2 * rowStep, b2, 16);
      v128.store(po + 3 * rowStep, a3);
      v128.store(po + 3 * rowStep, b3, 16);
    }
    for (; r < d; r++) for (let k = 0; k < 4; k++) out[(j + k) * d + r] = rowTimesRow(m, mo + r * d, y, (j + k) * d, d);
  }
  for (; j < n; j++) for (let r = 0; r < d; r++) out[j * d + r] = rowTimesRow(m, mo + r * d, y, j * d, d);
}

/** sum_c x[xo + c] y[yo + c] for c < len, in order of c from 0. */
// @ts-ignore: decorator
@inline function rowTimesRow(x: Float64Array, xo: i32, y: Float64Array, yo: i32, len: i32): f64 {
  let s = 0.0;
  for (let c = 0; c < len; c++) s += x[xo + c] * y[yo + c];
  return s;
}

/** Draws per block in subtractOuterProducts: a block's rows of a and y (2 x 32 d f64) stay in cache over all tiles of g. */
const OUTER_BLOCK: i32 = 32;

/**
 * g -= sum_j a_j y_j^T for the n rows a_j, y_j (length d) of a and y, g d x d row-major: each
 * entry g[r d + c] -= a[j d + r] y[j d + c] in order of j. Tiles of 4 x 4 entries of g stay in
 * lanes over a block of draws (two loads and four splats for sixteen products), then 4 x 2, and
 * single rows in pairs of columns: RoVI's gradient 1.6-1.8x faster at d = 10 to 100 than four
 * axpy-shaped passes over g per draw, the same bits.
 */
export function subtractOuterProducts(g: Float64Array, a: Float64Array, y: Float64Array, n: i32, d: i32): void {
  const rowStep = <usize>d << 3;
  for (let j0 = 0; j0 < n; j0 += OUTER_BLOCK) {
    const j1 = min(n, j0 + OUTER_BLOCK);
    let r = 0;
    for (; r + 3 < d; r += 4) {
      const pg = at(g, r * d);
      let c = 0;
      for (; c + 3 < d; c += 4) {
        const q = pg + (<usize>c << 3);
        let g0a = v128.load(q);
        let g0b = v128.load(q, 16);
        let g1a = v128.load(q + rowStep);
        let g1b = v128.load(q + rowStep, 16);
        let g2a = v128.load(q + 2 * rowStep);
        let g2b = v128.load(q + 2 * rowStep, 16);
        let g3a = v128.load(q + 3 * rowStep);
        let g3b = v128.load(q + 3 * rowStep, 16);
        let pa = at(a, j0 * d + r);
        let py = at(y, j0 * d + c);
        for (let j = j0; j < j1; j++) {
          const ya = v128.load(py);
          const yb = v128.load(py, 16);
          const s0 = v128.load64_splat(pa);
          g0a = f64x2.sub(g0a, f64x2.mul(s0, ya));
          g0b = f64x2.sub(g0b, f64x2.mul(s0, yb));
          const s1 = v128.load64_splat(pa, 8);
          g1a = f64x2.sub(g1a, f64x2.mul(s1, ya));
          g1b = f64x2.sub(g1b, f64x2.mul(s1, yb));
          const s2 = v128.load64_splat(pa, 16);
          g2a = f64x2.sub(g2a, f64x2.mul(s2, ya));
          g2b = f64x2.sub(g2b, f64x2.mul(s2, yb));
          const s3 = v128.load64_splat(pa, 24);
          g3a = f64x2.sub(g3a, f64x2.mul(s3, ya));
          g3b = f64x2.sub(g3b, f64x2.mul(s3, yb));
          pa += rowStep;
          py += rowStep;
        }
        v128.store(q, g0a);
        v128.store(q, g0b, 16);
        v128.store(q + rowStep, g1a);
        v128.store(q + rowStep, g1b, 16);
        v128.store(q + 2 * rowStep, g2a);
        v128.store(q + 2 * rowStep, g2b, 16);
        v128.store(q + 3 * rowStep, g3a);
        v128.store(q + 3 * rowStep, g3b, 16);
      }
      if (c + 1 < d) {
        const q = pg + (<usize>c << 3);
        let g0 = v128.load(q);
        let g1 = v128.load(q + rowStep);
        let g2 = v128.load(q + 2 * rowStep);
        let g3 = v128.load(q + 3 * rowStep);
        let pa = at(a, j0 * d + r);
        let py = at(y, j0 * d + c);
        for (let j = j0; j < j1; j++) {
          const v = v128.load(py);
          g0 = f64x2.sub(g0, f64x2.mul(v128.load64_splat(pa), v));
          g1 = f64x2.sub(g1, f64x2.mul(v128.load64_splat(pa, 8), v));
          g2 = f64x2.sub(g2, f64x2.mul(v128.load64_splat(pa, 16), v));
          g3 = f64x2.sub(g3, f64x2.mul(v128.load64_splat(pa, 24), v));
          pa += rowStep;
          py += rowStep;
        }
        v128.store(q, g0);
        v128.store(q + rowStep, g1);
        v128.store(q + 2 * rowStep, g2);
        v128.store(q + 3 * rowStep, g3);
        c += 2;
      }
      if (c < d) for (let k = 0; k < 4; k++) outerEntry(g, a, y, j0, j1, d, r + k, c);
    }
    for (; r < d; r++) {
      const pg = at(g, r * d);
      let c = 0;
      for (; c + 1 < d; c += 2) {
        const q = pg + (<usize>c << 3);
        let g0 = v128.load(q);
        let pa = at(a, j0 * d + r);
        let py = at(y, j0 * d + c);
        for (let j = j0; j < j1; j++) {
          g0 = f64x2.sub(g0, f64x2.mul(v128.load64_splat(pa), v128.load(py)));
          pa += rowStep;
          py += rowStep;
        }
        v128.store(q, g0);
      }
      if (c < d) outerEntry(g, a, y, j0, j1, d, r, c);
    }
  }
}

/** Entry (r, c) of subtractOuterProducts over the draws j0 .. j1 - 1. */
// @ts-ignore: decorator
@inline function outerEntry(g: Float64Array, a: Float64Array, y: Float64Array, j0: i32, j1: i32, d: i32, r: i32, c: i32): void {
  let s = g[r * d + c];
  for (let j = j0; j < j1; j++) s -= a[j * d + r] * y[j * d + c];
  g[r * d + c] = s;
}

/**
 * z[zo + i] = (x[xo + i] - m[mo + i]) s[so + i] for i < len, returning sum_i z_i^2 summed in
 * order of i (a Gaussian's standardised point and its squared norm).
 */
export function standardize(x: Float64Array, xo: i32, m: Float64Array, mo: i32, s: Float64Array, so: i32, z: Float64Array, zo: i32, len: i32): f64 {
  const px = at(x, xo);
  const pm = at(m, mo);
  const ps = at(s, so);
  const pz = at(z, zo);
  let q = 0.0;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const o = <usize>i << 3;
    const v = f64x2.mul(f64x2.sub(v128.load(px + o), v128.load(pm + o)), v128.load(ps + o));
    v128.store(pz + o, v);
    const w = f64x2.mul(v, v);
    q += f64x2.extract_lane(w, 0);
    q += f64x2.extract_lane(w, 1);
  }
  if (i < len) {
    const v = (x[xo + i] - m[mo + i]) * s[so + i];
    z[zo + i] = v;
    q += v * v;
  }
  return q;
}

/** s - x[xo] y[yo] - x[xo + 1] y[yo + 1] - ... (len products, subtracted in order). */
export function subtractProducts(s: f64, x: Float64Array, xo: i32, y: Float64Array, yo: i32, len: i32): f64 {
  const px = at(x, xo);
  const py = at(y, yo);
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 3;
    s -= load<f64>(px + o) * load<f64>(py + o);
  }
  return s;
}

/**
 * y[yo + i] = b[bo + i] + x[xo + i] a for i < len: a point on the line through row b along
 * row x. y may be b itself (element by element), not x.
 */
export function axpyRow(y: Float64Array, yo: i32, b: Float64Array, bo: i32, a: f64, x: Float64Array, xo: i32, len: i32): void {
  pointOnLine(y, yo, b, bo, a, x, xo, len);
}

/**
 * G points of a line as rows of len from y[yo ..]: row g = b + t_g x (axpyRow), with b the row
 * y[yo ..] itself, written last (g from G - 1 down to 0), t_g = t[to + g], x = x[xo ..].
 */
export function lineRows(y: Float64Array, yo: i32, G: i32, t: Float64Array, to: i32, x: Float64Array, xo: i32, len: i32): void {
  for (let g = G - 1; g >= 0; g--) pointOnLine(y, yo + g * len, y, yo, t[to + g], x, xo, len);
}

/** axpyRow, inlined into lineRows' loop (a call per point cost the d = 10 custom fit 7%). */
// @ts-ignore: decorator
@inline function pointOnLine(y: Float64Array, yo: i32, b: Float64Array, bo: i32, a: f64, x: Float64Array, xo: i32, len: i32): void {
  const py = at(y, yo);
  const pb = at(b, bo);
  const px = at(x, xo);
  const va = f64x2.splat(a);
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const o = <usize>i << 3;
    v128.store(py + o, f64x2.add(v128.load(pb + o), f64x2.mul(v128.load(px + o), va)));
  }
  if (i < len) y[yo + i] = b[bo + i] + x[xo + i] * a;
}

/**
 * out[oo + r] = the sum over c != skip, in the order of c, of m[mo + r len + c] x[xo + c], for
 * r < rows: a row times x without column skip. Two rows share the lanes (each lane the same
 * running sum, so the same bits); an odd last row runs alone.
 */
export function matVecSkipping(m: Float64Array, mo: i32, rows: i32, len: i32, x: Float64Array, xo: i32, skip: i32, out: Float64Array, oo: i32): void {
  const stride = <usize>len << 3;
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const pm = at(m, mo + r * len);
    let v = f64x2.splat(0.0);
    for (let c = 0; c < len; c++) if (c != skip) v = f64x2.add(v, f64x2.mul(pairAt(pm + (<usize>c << 3), stride), f64x2.splat(x[xo + c])));
    out[oo + r] = f64x2.extract_lane(v, 0);
    out[oo + r + 1] = f64x2.extract_lane(v, 1);
  }
  if (r < rows) {
    let v = 0.0;
    for (let c = 0; c < len; c++) if (c != skip) v += m[mo + r * len + c] * x[xo + c];
    out[oo + r] = v;
  }
}

/** 1 when x[xo .. xo+len) are all finite, else 0: the sum of x_i * 0 is 0 or NaN. */
export function allFinite(x: Float64Array, xo: i32, len: i32): i32 {
  const px = at(x, xo);
  const zero = f64x2.splat(0.0);
  let a = zero;
  let b = zero;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const o = <usize>i << 3;
    a = f64x2.add(a, f64x2.mul(v128.load(px + o), zero));
    b = f64x2.add(b, f64x2.mul(v128.load(px + o, 16), zero));
  }
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1) + f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
  for (; i < len; i++) s += x[xo + i] * 0.0;
  return s == 0.0 ? 1 : 0;
}

/** Exchanges x[xo .. xo+len) and x[yo .. yo+len) (the ranges do not overlap). */
export function swapRanges(x: Float64Array, xo: i32, yo: i32, len: i32): void {
  const px = at(x, xo);
  const py = at(x, yo);
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const o = <usize>i << 3;
    const a = v128.load(px + o);
    v128.store(px + o, v128.load(py + o));
    v128.store(py + o, a);
  }
  if (i < len) {
    const t = x[xo + i];
    x[xo + i] = x[yo + i];
    x[yo + i] = t;
  }
}

/** x[xo + i] /= d for i < len (correctly rounded quotients, as scalar division). */
export function divideRow(x: Float64Array, xo: i32, len: i32, d: f64): void {
  const vd = f64x2.splat(d);
  const px = at(x, xo);
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const o = <usize>i << 3;
    v128.store(px + o, f64x2.div(v128.load(px + o), vd));
  }
  if (i < len) x[xo + i] /= d;
}

/** z[zo + i] += x[xo + i]^2 for i < len (z and x do not overlap). */
export function addSquares(z: Float64Array, zo: i32, x: Float64Array, xo: i32, len: i32): void {
  const pz = at(z, zo);
  const px = at(x, xo);
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const o = <usize>i << 3;
    const v = v128.load(px + o);
    v128.store(pz + o, f64x2.add(v128.load(pz + o), f64x2.mul(v, v)));
  }
  if (i < len) z[zo + i] += x[xo + i] * x[xo + i];
}

/** max |x[xo + i]| over i < len (0 for len 0), NaN if an entry is NaN (max is exact: any order). */
export function absMax(x: Float64Array, xo: i32, len: i32): f64 {
  const px = at(x, xo);
  let a = f64x2.splat(0.0);
  let b = f64x2.splat(0.0);
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const o = <usize>i << 3;
    a = f64x2.max(a, f64x2.abs(v128.load(px + o)));
    b = f64x2.max(b, f64x2.abs(v128.load(px + o, 16)));
  }
  let m = Math.max(Math.max(f64x2.extract_lane(a, 0), f64x2.extract_lane(a, 1)), Math.max(f64x2.extract_lane(b, 0), f64x2.extract_lane(b, 1)));
  for (; i < len; i++) m = Math.max(m, Math.abs(x[xo + i]));
  return m;
}

/**
 * y[yo + c ys + r] = x[xo + r xs + c] for r < rows, c < cols: the transpose of a rows x cols
 * block (row stride xs) into a cols x rows block (row stride ys), 2 x 2 blocks at a time. The
 * blocks do not overlap.
 */
export function transpose(x: Float64Array, xo: i32, rows: i32, cols: i32, xs: i32, y: Float64Array, yo: i32, ys: i32): void {
  const px = at(x, xo);
  const py = at(y, yo);
  const sx = <usize>xs << 3;
  const sy = <usize>ys << 3;
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const p0 = px + <usize>r * sx;
    const q0 = py + (<usize>r << 3);
    let c = 0;
    for (; c + 1 < cols; c += 2) {
      const a = v128.load(p0 + (<usize>c << 3));
      const b = v128.load(p0 + sx + (<usize>c << 3));
      const q = q0 + <usize>c * sy;
      v128.store(q, f64x2.shuffle(a, b, 0, 2));
      v128.store(q + sy, f64x2.shuffle(a, b, 1, 3));
    }
    if (c < cols) {
      y[yo + c * ys + r] = x[xo + r * xs + c];
      y[yo + c * ys + r + 1] = x[xo + (r + 1) * xs + c];
    }
  }
  if (r < rows) {
    for (let c = 0; c < cols; c++) y[yo + c * ys + r] = x[xo + r * xs + c];
  }
}

/**
 * y[yo + r] = (row r) . (row r) for the rows x len matrix at mo (row stride len), each as dot()
 * computes it, two rows at a time. y does not overlap the matrix.
 */
export function rowSquares(x: Float64Array, mo: i32, rows: i32, len: i32, y: Float64Array, yo: i32): void {
  const stride = <usize>len << 3;
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const ro = mo + r * len;
    const p0 = at(x, ro);
    const p1 = p0 + stride;
    let a0 = f64x2.splat(0.0);
    let b0 = f64x2.splat(0.0);
    let a1 = f64x2.splat(0.0);
    let b1 = f64x2.splat(0.0);
    let i = 0;
    for (; i + 3 < len; i += 4) {
      const o = <usize>i << 3;
      const u = v128.load(p0 + o);
      const v = v128.load(p0 + o, 16);
      const w = v128.load(p1 + o);
      const z = v128.load(p1 + o, 16);
      a0 = f64x2.add(a0, f64x2.mul(u, u));
      b0 = f64x2.add(b0, f64x2.mul(v, v));
      a1 = f64x2.add(a1, f64x2.mul(w, w));
      b1 = f64x2.add(b1, f64x2.mul(z, z));
    }
    let s0: f64 = f64x2.extract_lane(a0, 0);
    let t0: f64 = f64x2.extract_lane(a1, 0);
    for (; i < len; i++) {
      const e = x[ro + i];
      const f = x[ro + len + i];
      s0 += e * e;
      t0 += f * f;
    }
    y[yo + r] = dotTotal(s0, a0, b0);
    y[yo + r + 1] = dotTotal(t0, a1, b1);
  }
  if (r < rows) y[yo + r] = dot(x, mo + r * len, x, mo + r * len, len);
}
