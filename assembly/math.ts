// Elementary functions written once for both backends, so WASM and JS produce the same bits.
// Ports of fdlibm 5.3 (Sun Microsystems, 1993: "Permission to use, copy, modify, and distribute
// this software is freely granted, provided that this notice is preserved."), which keep every
// result within 1 ulp. Bit access goes through highWord/lowWord/fromWords from ./glue.
import { fromWords, highWord, lowWord } from "./glue";

const LN2_HI = 6.93147180369123816490e-1; // 0x3fe62e42 fee00000
const LN2_LO = 1.90821492927058770002e-10; // 0x3dea39ef 35793c76
const INV_LN2 = 1.44269504088896338700e0;
const TWO54 = 1.80143985094819840000e16;
const TWOM1000 = 9.33263618503218878990e-302;
const EXP_OVERFLOW = 7.09782712893383973096e2;
const EXP_UNDERFLOW = -7.45133219101941108420e2;

/** e^x. fdlibm e_exp.c. */
export function exp(x: f64): f64 {
  let hx = highWord(x);
  const negative = (hx >>> 31) != 0;
  hx &= 0x7fffffff;
  if (hx >= 0x40862e42) {
    // |x| >= 709.78..., or NaN / Infinity
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | lowWord(x)) != 0) return x + x; // NaN
      return negative ? 0.0 : x; // exp(+-inf) = inf, 0
    }
    if (x > EXP_OVERFLOW) return Infinity;
    if (x < EXP_UNDERFLOW) return 0.0;
  }
  let hi = 0.0;
  let lo = 0.0;
  let k = 0;
  if (hx > 0x3fd62e42) {
    // |x| > 0.5 ln2: reduce x = k ln2 + r, |r| <= 0.5 ln2
    if (hx < 0x3ff0a2b2) {
      // and |x| < 1.5 ln2
      hi = negative ? x + LN2_HI : x - LN2_HI;
      lo = negative ? -LN2_LO : LN2_LO;
      k = negative ? -1 : 1;
    } else {
      k = (<i32>(INV_LN2 * x + (negative ? -0.5 : 0.5))) | 0;
      const t = <f64>k;
      hi = x - t * LN2_HI; // exact: t * LN2_HI has trailing zeros
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    return 1.0 + x; // |x| < 2^-28
  }
  const t = x * x;
  const c =
    x -
    t *
      (1.66666666666666019037e-1 +
        t *
          (-2.77777777770155933842e-3 +
            t * (6.61375632143793436117e-5 + t * (-1.65339022054652515390e-6 + t * 4.13813679705723846039e-8))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - (lo - (x * c) / (2.0 - c) - hi);
  if (k >= -1021) return fromWords(highWord(y) + (k << 20), lowWord(y));
  return fromWords(highWord(y) + ((k + 1000) << 20), lowWord(y)) * TWOM1000;
}

/** Natural logarithm. fdlibm e_log.c. */
export function log(x: f64): f64 {
  let hx = highWord(x);
  const lx = lowWord(x);
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54; // scale a subnormal up
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x; // Infinity or NaN
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  x = fromWords(hx | (i ^ 0x3ff00000), lowWord(x)); // normalise x or x/2 into [sqrt(2)/2, sqrt(2))
  k += i >> 20;
  const f = x - 1.0;
  const dk = <f64>k;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f == 0.0) return k == 0 ? 0.0 : dk * LN2_HI + dk * LN2_LO;
    const r = f * f * (0.5 - 0.33333333333333333 * f);
    return k == 0 ? f - r : dk * LN2_HI - (r - dk * LN2_LO - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (3.999999999940941908e-1 + w * (2.222219843214978396e-1 + w * 1.531383769920937332e-1));
  const t2 =
    z *
    (6.666666666666735130e-1 +
      w * (2.857142874366239149e-1 + w * (1.818357216161805012e-1 + w * 1.479819860511658591e-1)));
  const r = t2 + t1;
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    const hfsq = 0.5 * f * f;
    return k == 0 ? f - (hfsq - s * (hfsq + r)) : dk * LN2_HI - (hfsq - (s * (hfsq + r) + dk * LN2_LO) - f);
  }
  return k == 0 ? f - s * (f - r) : dk * LN2_HI - (s * (f - r) - dk * LN2_LO - f);
}
