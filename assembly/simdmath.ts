// exp, log1p and log-sum-exp two at a time in WASM SIMD (f64x2 lanes), returning exactly the
// bits of the scalar fdlibm ports in ./math: each lane runs the same operations in the same
// order (f64x2 add/sub/mul/div round like scalar ones; no fused multiply-add), the scalar
// branches become lane selects (a pair whose lanes take the branch the log-sum-exps feed most
// runs that branch's operations alone), and a lane outside the common range (NaN, Infinity,
// overflow, subnormal results, x < 0 for log1p, ...) is recomputed by the scalar function.
// The lane functions (expLanes, log1pLanes) leave such a lane NaN, and their callers
// recompute the NaN lanes of what they return, once, at the end: a scalar call in the middle
// of a hot function makes V8 keep every value live across it in memory.
// assembly/portable/simdmath.ts is the scalar JavaScript twin that scripts/build.mjs puts in
// its place. The exported row functions are what the other kernels call.
import { exp, log1p, logSumExpStrided } from "./math";

// @ts-ignore: decorator
@inline function address(x: Float64Array, i: i32): usize {
  return x.dataStart + (<usize>i << 3);
}

// @ts-ignore: decorator
@inline function select(mask: v128, a: v128, b: v128): v128 {
  return v128.bitselect(a, b, mask);
}

// The lane functions' constants live in static memory: each name below is the address of a
// double (or of its bits: fdlibm's thresholds on the high word, the bit masks), read into both
// lanes by lanes(). That is one load where V8 (x64) builds a v128 constant from three or four
// register instructions, and these functions are bound by their instruction count.

/** The double stored at `at`, in both lanes. */
// @ts-ignore: decorator
@inline function lanes(at: usize): v128 {
  return v128.load64_splat(at);
}

const HALF = memory.data<f64>([0.5]);
const ONE = memory.data<f64>([1.0]);
const TWO = memory.data<f64>([2.0]);
const LN2_HI = memory.data<f64>([6.93147180369123816490e-1]);
const LN2_LO = memory.data<f64>([1.90821492927058770002e-10]);
const SIGN = memory.data<u64>([0x8000000000000000]);

const INV_LN2 = memory.data<f64>([1.44269504088896338700e0]);
const EXP_K0_BELOW = memory.data<u64>([0x3fd62e4300000000]); // 0.5 ln2
const EXP_K1_BELOW = memory.data<u64>([0x3ff0a2b200000000]); // 1.5 ln2
const EXP_LINEAR_BELOW = memory.data<u64>([0x3e30000000000000]); // 2^-28
const EXP_COMMON_BELOW = memory.data<u64>([0x40862e4200000000]); // 709.78
const EXP_COMMON_FROM = memory.data<f64>([-707.0]);
const EXP_UNDERFLOW = memory.data<f64>([-7.45133219101941108420e2]);
const EP1 = memory.data<f64>([1.66666666666666019037e-1]);
const EP2 = memory.data<f64>([-2.77777777770155933842e-3]);
const EP3 = memory.data<f64>([6.61375632143793436117e-5]);
const EP4 = memory.data<f64>([-1.65339022054652515390e-6]);
const EP5 = memory.data<f64>([4.13813679705723846039e-8]);

/** r, with the scalar function f of x in the lanes where r is NaN (a lane function's rare lanes). */
// @ts-ignore: decorator
@inline function patchNaN(r: v128, x: v128, f: (x: f64) => f64): v128 {
  const rare = i64x2.bitmask(f64x2.ne(r, r));
  if (rare & 1) r = f64x2.replace_lane(r, 0, f(f64x2.extract_lane(x, 0)));
  if (rare & 2) r = f64x2.replace_lane(r, 1, f(f64x2.extract_lane(x, 1)));
  return r;
}

/**
 * exp on both lanes, as math.ts's exp. Its branches by |x| (all on the high word there):
 * k = 0 below 0.5 ln2 (and 1 + x below 2^-28), k = +-1 below 1.5 ln2, else k = trunc(x/ln2 +-
 * 1/2); each is r = x - k ln2 (hi - lo) and one formula. The k = 0 one, 1 - ((x c)/(c - 2) -
 * x), is 1 + ((x c)/(2 - c) + x) (negation is exact), which shares the division.
 * NaN (for the scalar function): |x| >= 709.78 short of the underflow (Infinity, NaN,
 * overflow) and x < -707 (2^k there may need two scalings).
 */
// @ts-ignore: decorator
@inline function expLanes(x: v128): v128 {
  const ax = f64x2.abs(x);
  const sign = v128.and(x, lanes(SIGN));
  let t = f64x2.trunc(f64x2.add(f64x2.mul(lanes(INV_LN2), x), v128.or(sign, lanes(HALF))));
  const small = f64x2.lt(ax, lanes(EXP_K1_BELOW));
  const common = v128.and(f64x2.lt(ax, lanes(EXP_COMMON_BELOW)), f64x2.ge(x, lanes(EXP_COMMON_FROM)));
  // both lanes in 1.5 ln2 <= |x|, -707 <= x < 709.78 (a log-sum-exp's terms from e^-40 to
  // 0.35 of its top): k = t, the general formula, nothing to patch
  if (!v128.any_true(v128.or(small, v128.not(common)))) return expFormula(x, t, f64x2.splat(0.0));
  const k0 = f64x2.lt(ax, lanes(EXP_K0_BELOW));
  t = select(small, v128.or(sign, lanes(ONE)), t);
  t = v128.andnot(t, k0);
  let e = expFormula(x, t, k0);
  e = select(f64x2.lt(ax, lanes(EXP_LINEAR_BELOW)), f64x2.add(lanes(ONE), x), e);
  const under = f64x2.lt(x, lanes(EXP_UNDERFLOW));
  e = v128.andnot(e, under);
  return v128.or(e, v128.not(v128.or(common, under))); // all ones: a NaN
}

/**
 * fdlibm's exp on x = k ln2 + r, k = t (an integer): r = hi - lo, then 2^k (1 - ((lo - q) -
 * hi)) with q = r c / (2 - c), or 2^k (1 + (q + r)) in the lanes of k0 (k = 0 there).
 */
// @ts-ignore: decorator
@inline function expFormula(x: v128, t: v128, k0: v128): v128 {
  const hi = f64x2.sub(x, f64x2.mul(t, lanes(LN2_HI)));
  const lo = f64x2.mul(t, lanes(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const r2 = f64x2.mul(r, r);
  let p = f64x2.add(lanes(EP4), f64x2.mul(r2, lanes(EP5)));
  p = f64x2.add(lanes(EP3), f64x2.mul(r2, p));
  p = f64x2.add(lanes(EP2), f64x2.mul(r2, p));
  p = f64x2.add(lanes(EP1), f64x2.mul(r2, p));
  const c = f64x2.sub(r, f64x2.mul(r2, p));
  const one = lanes(ONE);
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(lanes(TWO), c));
  const y = select(k0, f64x2.add(one, f64x2.add(q, r)), f64x2.sub(one, f64x2.sub(f64x2.sub(lo, q), hi)));
  const k = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(t));
  return i64x2.add(y, i64x2.shl(k, 52));
}

/** exp on both lanes (expLanes, its rare lanes by the scalar function). */
// @ts-ignore: decorator
@inline export function expPair(x: v128): v128 {
  return patchNaN(expLanes(x), x, exp);
}

const LOG1P_IDENTITY_BELOW = memory.data<u64>([0x3c90000000000000]); // 2^-54
const LOG1P_TINY_BELOW = memory.data<u64>([0x3e20000000000000]); // 2^-29
const LOG1P_K0_BELOW = memory.data<u64>([0x3fda827a00000000]); // sqrt(2) - 1
const LOG1P_COMMON_BELOW = memory.data<f64>([9007199254740992.0]); // 2^53
const SQRT2 = memory.data<u64>([0x3ff6a09e00000000]); // its high word
const SHORT_BELOW = memory.data<u64>([0x3ff0000100000000]); // 1 + 2^-20
const SHORT_FROM = memory.data<u64>([0x3ffffffd00000000]); // 2 - 3 2^-20
const MANTISSA = memory.data<u64>([0x000fffffffffffff]);
const EXPONENT_ONE = memory.data<u64>([0x3ff0000000000000]);
const TWO_52 = memory.data<u64>([0x4330000000000000]);
const TWO_52_BIAS = memory.data<f64>([4503599627371519.0]); // 2^52 + 1023
const LP1 = memory.data<f64>([6.666666666666735130e-1]);
const LP2 = memory.data<f64>([3.999999999940941908e-1]);
const LP3 = memory.data<f64>([2.857142874366239149e-1]);
const LP4 = memory.data<f64>([2.222219843214978396e-1]);
const LP5 = memory.data<f64>([1.818357216161805012e-1]);
const LP6 = memory.data<f64>([1.531383769920937332e-1]);
const LP7 = memory.data<f64>([1.479819860511658591e-1]);

/** z (LP1 + z (LP2 + ... + z LP7)): fdlibm's log1p series in z = s^2. */
// @ts-ignore: decorator
@inline function log1pSeries(z: v128): v128 {
  let p = f64x2.add(lanes(LP6), f64x2.mul(z, lanes(LP7)));
  p = f64x2.add(lanes(LP5), f64x2.mul(z, p));
  p = f64x2.add(lanes(LP4), f64x2.mul(z, p));
  p = f64x2.add(lanes(LP3), f64x2.mul(z, p));
  p = f64x2.add(lanes(LP2), f64x2.mul(z, p));
  p = f64x2.add(lanes(LP1), f64x2.mul(z, p));
  return f64x2.mul(z, p);
}

/**
 * log1p on both lanes, as math.ts's log1p, for 0 <= x < 2^53 (-0 included). Below 0.41422,
 * f = x and k = 0 (x, or x - x^2/2, below 2^-54 and 2^-29); above, 1 + x = 2^k (1 + f) with
 * u = 1 + x scaled into [sqrt(2)/2, sqrt(2)) and the correction c = (the rounding error of
 * u) / u; dk is read off u's exponent field (2^52 + e as a double is exact). NaN (for the
 * scalar function): x < 0, NaN, x >= 2^53, and |f| < 2^-20 above 0.41422 (fdlibm's short
 * series, hu = 0).
 */
// @ts-ignore: decorator
@inline function log1pLanes(x: v128): v128 {
  const half = lanes(HALF);
  const zero = f64x2.splat(0.0);
  // both below 2^-29 (a log-sum-exp whose other terms are far below its top): no division
  const tiny = select(f64x2.lt(x, lanes(LOG1P_IDENTITY_BELOW)), x, f64x2.sub(x, f64x2.mul(f64x2.mul(x, x), half)));
  const nonNegative = f64x2.ge(x, zero);
  if (i64x2.all_true(v128.and(nonNegative, f64x2.lt(x, lanes(LOG1P_TINY_BELOW))))) return tiny;
  const two = lanes(TWO);
  const k0 = f64x2.lt(x, lanes(LOG1P_K0_BELOW));
  if (i64x2.all_true(v128.and(nonNegative, k0))) {
    // both below 0.41422 (a log-sum-exp's other terms at most 0.41 of its top): k = 0, f = x,
    // the formula below without the scaling (the same operations on these lanes)
    const hfsq = f64x2.mul(f64x2.mul(half, x), x);
    const s = f64x2.div(x, f64x2.add(two, x));
    const sr = f64x2.mul(s, f64x2.add(hfsq, log1pSeries(f64x2.mul(s, s))));
    return select(f64x2.lt(x, lanes(LOG1P_TINY_BELOW)), tiny, f64x2.sub(x, f64x2.sub(hfsq, sr)));
  }
  const one = lanes(ONE);
  const u = f64x2.add(one, x);
  const cHigh = f64x2.sub(one, f64x2.sub(u, x));
  const cLow = f64x2.sub(x, f64x2.sub(u, one));
  const c = f64x2.div(select(f64x2.ge(u, two), cHigh, cLow), u);
  const m = v128.or(v128.and(u, lanes(MANTISSA)), lanes(EXPONENT_ONE)); // u / 2^e in [1, 2)
  const big = f64x2.ge(m, lanes(SQRT2));
  const exponent = v128.or(i64x2.shr_u(u, 52), lanes(TWO_52)); // 2^52 + e
  let dk = f64x2.sub(exponent, lanes(TWO_52_BIAS)); // e - 1023
  dk = f64x2.add(dk, v128.and(big, one));
  const f = select(k0, x, f64x2.sub(select(big, f64x2.mul(m, half), m), one));
  const hfsq = f64x2.mul(f64x2.mul(half, f), f);
  const s = f64x2.div(f, f64x2.add(two, f));
  const sr = f64x2.mul(s, f64x2.add(hfsq, log1pSeries(f64x2.mul(s, s))));
  const atZero = f64x2.sub(f, f64x2.sub(hfsq, sr));
  const scaled = f64x2.sub(
    f64x2.mul(dk, lanes(LN2_HI)),
    f64x2.sub(f64x2.sub(hfsq, f64x2.add(sr, f64x2.add(f64x2.mul(dk, lanes(LN2_LO)), c))), f),
  );
  let r = select(k0, atZero, scaled);
  r = select(f64x2.lt(x, lanes(LOG1P_TINY_BELOW)), tiny, r);
  const common = v128.and(f64x2.ge(x, zero), f64x2.lt(x, lanes(LOG1P_COMMON_BELOW)));
  const short = v128.andnot(v128.or(f64x2.lt(m, lanes(SHORT_BELOW)), f64x2.ge(m, lanes(SHORT_FROM))), k0);
  return v128.or(r, v128.or(v128.not(common), short));
}

/** log1p on both lanes (log1pLanes, its rare lanes by the scalar function). */
// @ts-ignore: decorator
@inline function log1pPair(x: v128): v128 {
  return patchNaN(log1pLanes(x), x, log1p);
}

/** r, with the scalar log-sum-exp of column at + l in each lane l whose bit is set in `rare`. */
// @ts-ignore: decorator
@inline function scalarColumns(r: v128, rare: i32, v: Float64Array, at: i32, stride: i32, K: i32): v128 {
  if (rare & 1) r = f64x2.replace_lane(r, 0, logSumExpStrided(v, at, stride, K));
  if (rare & 2) r = f64x2.replace_lane(r, 1, logSumExpStrided(v, at + 1, stride, K));
  return r;
}

const TERM_FLOOR = memory.data<f64>([-40.0]); // terms below e^-40 of the top are skipped
const INFINITY = memory.data<f64>([Infinity]);

/**
 * The log-sum-exps of K lane pairs v[at + 2k], v[at + 2k + 1] (logSumExpLanes with stride 2).
 */
export function logSumExpPair(v: Float64Array, at: i32, K: i32): v128 {
  if (K == 2) return logSumExpTwo(v128.load(address(v, at)), v128.load(address(v, at + 2)), v, at, 2);
  return logSumExpLanes(v, at, 2, K);
}

/**
 * The log-sum-exps of K lane pairs v[at + s k], v[at + s k + 1] (s = stride): math.ts's
 * logSumExpStrided on each lane (max first, then the others' exp(v_k - top) above e^-40
 * summed in k order; a skipped term adds +0, which leaves the sum's bits alone). A k skipped
 * in both lanes costs no exp. Scalar: lanes with a NaN or an infinite maximum, and those whose
 * log1p is rare (NaN from log1pLanes; no kept exp is: its argument is in (-40, 0]).
 */
// @ts-ignore: decorator
@inline function logSumExpLanes(v: Float64Array, at: i32, stride: i32, K: i32): v128 {
  const p = v.dataStart + (<usize>at << 3);
  const step = <usize>stride << 3;
  let top = f64x2.splat(-Infinity);
  let best = f64x2.splat(0.0);
  let nan = f64x2.splat(0.0);
  for (let k = 0; k < K; k++) {
    const x = v128.load(p + <usize>k * step);
    nan = v128.or(nan, f64x2.ne(x, x));
    const above = f64x2.gt(x, top);
    top = select(above, x, top);
    best = select(above, f64x2.splat(<f64>k), best);
  }
  let rest = f64x2.splat(0.0);
  for (let k = 0; k < K; k++) {
    const x = f64x2.sub(v128.load(p + <usize>k * step), top);
    const keep = v128.andnot(f64x2.gt(x, lanes(TERM_FLOOR)), f64x2.eq(best, f64x2.splat(<f64>k)));
    if (v128.any_true(keep)) rest = f64x2.add(rest, v128.and(expLanes(x), keep));
  }
  const none = f64x2.eq(rest, f64x2.splat(0.0));
  let r = i64x2.all_true(none) ? top : select(none, top, f64x2.add(top, log1pLanes(rest)));
  const rare = i64x2.bitmask(v128.or(v128.or(nan, f64x2.ne(r, r)), f64x2.eq(f64x2.abs(top), lanes(INFINITY))));
  return scalarColumns(r, rare, v, at, stride, K);
}

/**
 * logSumExpLanes for K = 2, from registers: the lane pairs a, b of the two terms. The top term
 * (b where b > a, else a) plus log1p(exp(other - top)) where other - top > -40: the general
 * loop's operations, less its +0 terms (which leave the bits alone). Scalar, on a and b
 * written to v[at ..] and v[at + stride ..]: lanes with a NaN or an infinite top, and those
 * whose log1p is rare. Inlined: a call from a loop makes V8 keep the loop's invariants (a
 * line's coefficients) in memory, and logSumExpTwo is most of a sampled sweep.
 */
// @ts-ignore: decorator
@inline export function logSumExpTwo(a: v128, b: v128, v: Float64Array, at: i32, stride: i32): v128 {
  const above = f64x2.gt(b, a);
  const top = select(above, b, a);
  const x = f64x2.sub(select(above, a, b), top);
  const keep = f64x2.gt(x, lanes(TERM_FLOOR));
  let r = top;
  if (v128.any_true(keep)) r = select(keep, f64x2.add(top, log1pLanes(v128.and(expLanes(x), keep))), top);
  const nan = v128.or(v128.or(f64x2.ne(a, a), f64x2.ne(b, b)), f64x2.ne(r, r));
  const rare = i64x2.bitmask(v128.or(nan, f64x2.eq(f64x2.abs(top), lanes(INFINITY))));
  if (rare != 0) {
    v128.store(address(v, at), a);
    v128.store(address(v, at + stride), b);
    r = scalarColumns(r, rare, v, at, stride, 2);
  }
  return r;
}

/**
 * out[oo + j] = logSumExpStrided(v, at + j, stride, K) for j < n: the log-sum-exps of n
 * columns of a K-row table, two columns in the lanes.
 */
export function logSumExpColumns(v: Float64Array, at: i32, stride: i32, K: i32, out: Float64Array, oo: i32, n: i32): void {
  let j = 0;
  if (K == 2) for (; j + 1 < n; j += 2) v128.store(address(out, oo + j), logSumExpTwo(v128.load(address(v, at + j)), v128.load(address(v, at + j + stride)), v, at + j, stride));
  for (; j + 1 < n; j += 2) v128.store(address(out, oo + j), logSumExpLanes(v, at + j, stride, K));
  if (j < n) out[oo + j] = logSumExpStrided(v, at + j, stride, K);
}

/** out[oo + i] = exp(x[xo + i] - shift) for i < n. */
export function expRow(x: Float64Array, xo: i32, shift: f64, out: Float64Array, oo: i32, n: i32): void {
  const px = address(x, xo);
  const po = address(out, oo);
  const vs = f64x2.splat(shift);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    v128.store(po + o, expPair(f64x2.sub(v128.load(px + o), vs)));
  }
  if (i < n) out[oo + i] = exp(x[xo + i] - shift);
}

/** out[oo + i] = log1p(x[xo + i]) for i < n. */
export function log1pRow(x: Float64Array, xo: i32, out: Float64Array, oo: i32, n: i32): void {
  const px = address(x, xo);
  const po = address(out, oo);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    v128.store(po + o, log1pPair(v128.load(px + o)));
  }
  if (i < n) out[oo + i] = log1p(x[xo + i]);
}
