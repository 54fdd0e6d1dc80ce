// Elementary functions written once for both backends, so WASM and JS produce the same bits.
// exp, log, log1p, expm1, erf and erfc are ports of fdlibm 5.3 (Sun Microsystems, 1993:
// "Permission to use, copy, modify, and distribute this software is freely granted, provided
// that this notice is preserved."), operation for operation, so they return fdlibm's bits,
// which are within 1 ulp of the correctly rounded result. The exception is erfc on [0.25, 28),
// where fdlibm is up to 3 ulps off: there erfc keeps fdlibm's rational fits but evaluates them
// in double-double arithmetic ("erfc to within 1 ulp" below), and so does erf for |x| >= 1.25,
// which shares the tail. Every function is within 1 ulp (test/math.test.ts). Bit access goes
// through highWord/lowWord/fromWords from ./glue. log1pexp and logAddExp, built on them, serve
// the mixture and grid kernels.
// Where fdlibm writes `huge*huge`, `tiny-one` etc. only to raise IEEE flags, the port returns
// the rounded value directly (no flags exist in JS or WASM). Negative i32 hex constants are
// written in decimal, because tsc reads 0xbfd2bec3 as a positive number.
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

const LP1 = 6.666666666666735130e-1; // 0x3fe55555 55555593
const LP2 = 3.999999999940941908e-1; // 0x3fd99999 9997fa04
const LP3 = 2.857142874366239149e-1; // 0x3fd24924 94229359
const LP4 = 2.222219843214978396e-1; // 0x3fcc71c5 1d8e78af
const LP5 = 1.818357216161805012e-1; // 0x3fc74664 96cb03de
const LP6 = 1.531383769920937332e-1; // 0x3fc39a09 d078c69f
const LP7 = 1.479819860511658591e-1; // 0x3fc2f112 df3e5244

/** log(1 + x), accurate for x near 0. fdlibm s_log1p.c. */
export function log1p(x: f64): f64 {
  const hx = highWord(x);
  const ax = hx & 0x7fffffff;
  let k = 1;
  let f = 0.0;
  let c = 0.0;
  let hu = 0;
  if (hx < 0x3fda827a) {
    // x < 0.41422 (every negative x lands here)
    if (ax >= 0x3ff00000) {
      // x <= -1, -Infinity or a NaN with its sign bit set
      if (x == -1.0) return -Infinity;
      return (x - x) / (x - x); // NaN (keeps a NaN's payload as fdlibm does)
    }
    if (ax < 0x3e200000) {
      // |x| < 2^-29: two terms of the series are exact enough; below 2^-54 one is
      if (ax < 0x3c900000) return x;
      return x - x * x * 0.5;
    }
    if (hx > 0 || hx <= -1076707645) {
      // -0.2929 < x < 0.41422 (-1076707645 is 0xbfd2bec3): 1 + x is near 1, so f = x exactly
      k = 0;
      f = x;
      hu = 1;
    }
  }
  if (hx >= 0x7ff00000) return x + x; // +Infinity or NaN
  if (k != 0) {
    // 1 + x = 2^k (1 + f). u = 1 + x rounds, so c/u restores log(1 + x) - log(u).
    let u = x;
    if (hx < 0x43400000) {
      u = 1.0 + x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
      c /= u;
    } else {
      // x >= 2^53: 1 + x rounds to x and the correction is below an ulp
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = 0.0;
    }
    hu &= 0x000fffff;
    if (hu < 0x6a09e) {
      u = fromWords(hu | 0x3ff00000, lowWord(u)); // u in [1, sqrt(2))
    } else {
      k += 1;
      u = fromWords(hu | 0x3fe00000, lowWord(u)); // u/2 in [sqrt(2)/2, 1)
      hu = (0x00100000 - hu) >> 2;
    }
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  const dk = <f64>k;
  if (hu == 0) {
    // |f| < 2^-20: a short series suffices
    if (f == 0.0) {
      if (k == 0) return 0.0;
      c += dk * LN2_LO;
      return dk * LN2_HI + c;
    }
    const r = hfsq * (1.0 - 0.66666666666666666 * f);
    return k == 0 ? f - r : dk * LN2_HI - (r - (dk * LN2_LO + c) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const r = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
  if (k == 0) return f - (hfsq - s * (hfsq + r));
  return dk * LN2_HI - (hfsq - (s * (hfsq + r) + (dk * LN2_LO + c)) - f);
}

// expm1's rational approximation, coefficients pre-scaled by 2^i (fdlibm's Q1..Q5).
const Q1 = -3.33333333333331316428e-2; // 0xbfa11111 111110f4
const Q2 = 1.58730158725481460165e-3; // 0x3f5a01a0 19fe5585
const Q3 = -7.93650757867487942473e-5; // 0xbf14ce19 9eaadbb7
const Q4 = 4.00821782732936239552e-6; // 0x3ed0cfca 86e65239
const Q5 = -2.01099218183624371326e-7; // 0xbe8afdb7 6e09c32d

/** e^x - 1, accurate for x near 0. fdlibm s_expm1.c. */
export function expm1(x: f64): f64 {
  let hx = highWord(x);
  const negative = hx < 0;
  hx &= 0x7fffffff;
  if (hx >= 0x4043687a) {
    // |x| >= 56 ln2
    if (hx >= 0x40862e42) {
      // |x| >= 709.78...
      if (hx >= 0x7ff00000) {
        if (((hx & 0xfffff) | lowWord(x)) != 0) return x + x; // NaN
        return negative ? -1.0 : x; // expm1(+-Infinity) = Infinity, -1
      }
      if (x > EXP_OVERFLOW) return Infinity;
    }
    if (negative) return -1.0; // e^x < 2^-56 vanishes next to 1
  }
  let k = 0;
  let c = 0.0;
  if (hx > 0x3fd62e42) {
    // |x| > 0.5 ln2: reduce x = k ln2 + r; c is the rounding error of r = hi - lo
    let hi = 0.0;
    let lo = 0.0;
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
    c = hi - x - lo;
  } else if (hx < 0x3c900000) {
    return x; // |x| < 2^-54: e^x - 1 rounds to x
  }
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1.0 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3.0 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6.0 - x * t));
  if (k == 0) return x - (x * e - hxs); // c is 0
  e = x * (e - c) - c;
  e -= hxs;
  // Scale back, expm1(x) = 2^k (expm1(r) + 1) - 1, ordered to lose least to rounding.
  if (k == -1) return 0.5 * (x - e) - 0.5;
  if (k == 1) return x < -0.25 ? -2.0 * (e - (x + 0.5)) : 1.0 + 2.0 * (x - e);
  if (k <= -2 || k > 56) {
    // the -1 (k > 56) or the 2^k (k <= -2) is negligible next to the other term
    const y = 1.0 - (e - x);
    return fromWords(highWord(y) + (k << 20), lowWord(y)) - 1.0;
  }
  if (k < 20) {
    const y = fromWords(0x3ff00000 - (0x200000 >> k), 0) - (e - x); // (1 - 2^-k) - (e - r)
    return fromWords(highWord(y) + (k << 20), lowWord(y));
  }
  const y = x - (e + fromWords((0x3ff - k) << 20, 0)) + 1.0; // 1 - ((e + 2^-k) - r)
  return fromWords(highWord(y) + (k << 20), lowWord(y));
}

// erf on [0, 0.84375]: erf(x) = x + x R(x^2), R = PP/QQ.
const EFX = 1.28379167095512586316e-1; // 0x3fc06eba 8214db69, 2/sqrt(pi) - 1
const EFX8 = 1.02703333676410069053e0; // 0x3ff06eba 8214db69, 8 EFX
const PP0 = 1.28379167095512558561e-1; // 0x3fc06eba 8214db68
const PP1 = -3.25042107247001499370e-1; // 0xbfd4cd7d 691cb913
const PP2 = -2.84817495755985104766e-2; // 0xbf9d2a51 dbd7194f
const PP3 = -5.77027029648944159157e-3; // 0xbf77a291 236668e4
const PP4 = -2.37630166566501626084e-5; // 0xbef8ead6 120016ac
const QQ1 = 3.97917223959155352819e-1; // 0x3fd97779 cddadc09
const QQ2 = 6.50222499887672944485e-2; // 0x3fb0a54c 5536ceba
const QQ3 = 5.08130628187576562776e-3; // 0x3f74d022 c4d36b0f
const QQ4 = 1.32494738004321644526e-4; // 0x3f215dc9 221c1a10
const QQ5 = -3.96022827877536812320e-6; // 0xbed09c43 42a26120
// erf on [0.84375, 1.25]: erf(1 + s) = ERX + PA(s)/QA(s), ERX = erf(1) rounded to 24 bits.
const ERX = 8.45062911510467529297e-1; // 0x3feb0ac1 60000000
const PA0 = -2.36211856075265944077e-3; // 0xbf6359b8 bef77538
const PA1 = 4.14856118683748331666e-1; // 0x3fda8d00 ad92b34d
const PA2 = -3.72207876035701323847e-1; // 0xbfd7d240 fbb8c3f1
const PA3 = 3.18346619901161753674e-1; // 0x3fd45fca 805120e4
const PA4 = -1.10894694282396677476e-1; // 0xbfbc6398 3d3e28ec
const PA5 = 3.54783043256182359371e-2; // 0x3fa22a36 599795eb
const PA6 = -2.16637559486879084300e-3; // 0xbf61bf38 0a96073f
const QA1 = 1.06420880400844228286e-1; // 0x3fbb3e66 18eee323
const QA2 = 5.40397917702171048937e-1; // 0x3fe14af0 92eb6f33
const QA3 = 7.18286544141962662868e-2; // 0x3fb2635c d99fe9a7
const QA4 = 1.26171219808761642112e-1; // 0x3fc02660 e763351f
const QA5 = 1.36370839120290507362e-2; // 0x3f8bedc2 6b51dd1c
const QA6 = 1.19844998467991074170e-2; // 0x3f888b54 5735151d
// erfc on [1.25, 1/0.35]: erfc(x) = exp(-x^2 - 0.5625 + RA(1/x^2)/SA(1/x^2)) / x.
const RA0 = -9.86494403484714822705e-3; // 0xbf843412 600d6435
const RA1 = -6.93858572707181764372e-1; // 0xbfe63416 e4ba7360
const RA2 = -1.05586262253232909814e1; // 0xc0251e04 41b0e726
const RA3 = -6.23753324503260060396e1; // 0xc04f300a e4cba38d
const RA4 = -1.62396669462573470355e2; // 0xc0644cb1 84282266
const RA5 = -1.84605092906711035994e2; // 0xc067135c ebccabb2
const RA6 = -8.12874355063065934246e1; // 0xc0545265 57e4d2f2
const RA7 = -9.81432934416914548592e0; // 0xc023a0ef c69ac25c
const SA1 = 1.96512716674392571292e1; // 0x4033a6b9 bd707687
const SA2 = 1.37657754143519042600e2; // 0x4061350c 526ae721
const SA3 = 4.34565877475229228821e2; // 0x407b290d d58a1a71
const SA4 = 6.45387271733267880336e2; // 0x40842b19 21ec2868
const SA5 = 4.29008140027567833386e2; // 0x407ad021 57700314
const SA6 = 1.08635005541779435134e2; // 0x405b28a3 ee48ae2c
const SA7 = 6.57024977031928170135e0; // 0x401a47ef 8e484a93
const SA8 = -6.04244152148580987438e-2; // 0xbfaeeff2 ee749a62
// erfc on [1/0.35, 28]: same form, RB/SB.
const RB0 = -9.86494292470009928597e-3; // 0xbf843412 39e86f4a
const RB1 = -7.99283237680523006574e-1; // 0xbfe993ba 70c285de
const RB2 = -1.77579549177547519889e1; // 0xc031c209 555f995a
const RB3 = -1.60636384855821916062e2; // 0xc064145d 43c5ed98
const RB4 = -6.37566443368389627722e2; // 0xc083ec88 1375f228
const RB5 = -1.02509513161107724954e3; // 0xc0900461 6a2e5992
const RB6 = -4.83519191608651397019e2; // 0xc07e384e 9bdc383f
const SB1 = 3.03380607434824582924e1; // 0x403e568b 261d5190
const SB2 = 3.25792512996573918826e2; // 0x40745cae 221b9f0a
const SB3 = 1.53672958608443695994e3; // 0x409802eb 189d5118
const SB4 = 3.19985821950859553908e3; // 0x40a8ffb7 688c246a
const SB5 = 2.55305040643316442583e3; // 0x40a3f219 cedf3be6
const SB6 = 4.74528541206955367215e2; // 0x407da874 e79fe763
const SB7 = -2.24409524465858183362e1; // 0xc03670e2 42712d62

/** erf(x) - ERX on [0.84375, 1.25], as a function of s = |x| - 1. */
function erfNearOne(s: f64): f64 {
  const p = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
  const q = 1.0 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
  return p / q;
}

/** (erf(x) - x) / x on [0, 0.84375], as a function of z = x^2. */
function erfSmall(z: f64): f64 {
  const r = PP0 + z * (PP1 + z * (PP2 + z * (PP3 + z * PP4)));
  const s = 1.0 + z * (QQ1 + z * (QQ2 + z * (QQ3 + z * (QQ4 + z * QQ5))));
  return r / s;
}

// ---- erfc to within 1 ulp -------------------------------------------------------------------
// fdlibm's erfc is up to 3 ulps off on [0.25, 28): it evaluates its rational fits in double and
// then cancels ((1 - ERX) - P/Q, 0.5 - (x R + (x - 0.5))) or multiplies rounded factors
// (exp(-z^2 - 0.5625) exp(...) / x), and the rounding errors of the fits' evaluation, of
// 1/x^2, of the two exps and of the product add up. There erfc keeps fdlibm's fits but
// evaluates them, and what follows, in double-double arithmetic: a value is hi + lo, lo
// carrying hi's rounding error. Products are split exactly without FMA (Dekker: a factor cut
// at 2^27 + 1 into two 26-bit halves multiplies exactly), sums with Knuth's two-sum; only
// + - * / on f64, so both backends round identically. What remains is the fits' own error
// (up to 0.45 ulp of erfc just below x = 1.25, under 0.15 ulp elsewhere), a few hundredths of
// an ulp from the evaluation, and the final rounding: against mpmath, 2.3e6 inputs on
// [0.25, 28) came out at most 0.71 ulp from the exact value (a subnormal result, rounded
// twice, can be 0.75 off), so always within 1 ulp of the correctly rounded one.

const SPLIT = 134217729.0; // 2^27 + 1
const TWOM200 = 6.223015277861142e-61; // 2^-200
const ONE_MINUS_ERX = 1.54937088489532470703e-1; // 1 - ERX, exact (ERX has 24 bits)

/** a b - p exactly, for p = a * b rounded, b given as its split halves bh + bl (Dekker). */
function mulError(a: f64, bh: f64, bl: f64, p: f64): f64 {
  const c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** The high half of b's split: b = hi + (b - hi) with both halves 26 bits wide. */
function splitHigh(b: f64): f64 {
  const c = SPLIT * b;
  return c - (c - b);
}

/** a + b - s exactly, for s = a + b rounded (Knuth's two-sum). */
function addError(a: f64, b: f64, s: f64): f64 {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

/**
 * One compensated Horner step, (ph + pl)(th + tl) + c, whose high part is ph * th + c (the
 * caller forms it): returns the low part, the exact errors of that product and sum plus the
 * pl and tl cross terms. tha + thb is th's split.
 */
function hornerLow(ph: f64, pl: f64, th: f64, tl: f64, tha: f64, thb: f64, c: f64): f64 {
  const m = ph * th;
  const s = m + c;
  return mulError(ph, tha, thb, m) + addError(m, c, s) + (pl * th + ph * tl);
}

/** The low part of (nh + nl) / (dh + dl), whose high part is q = nh / dh. */
function divideLow(nh: f64, nl: f64, dh: f64, dl: f64, q: f64): f64 {
  const p = q * dh;
  const dha = splitHigh(dh);
  return (nh - p - mulError(q, dha, dh - dha, p) + (nl - q * dl)) / dh; // nh - p is exact
}

// Low parts of fdlibm's polynomials: each xxLow(th, tl, tha, thb) is P(th + tl) minus P's plain
// Horner value at th (the nested form written at the call sites, which rounds identically).
// Steps whose rounding errors reach erfc scaled below 0.02 ulp run in plain double; the rest
// are compensated (hornerLow). tha + thb is th's split.

function ppLow(zh: f64, zl: f64, za: f64, zb: f64): f64 {
  let h = PP3 + zh * PP4;
  let l = hornerLow(h, 0.0, zh, zl, za, zb, PP2);
  h = h * zh + PP2;
  l = hornerLow(h, l, zh, zl, za, zb, PP1);
  h = h * zh + PP1;
  return hornerLow(h, l, zh, zl, za, zb, PP0);
}

function qqLow(zh: f64, zl: f64, za: f64, zb: f64): f64 {
  const h = QQ2 + zh * (QQ3 + zh * (QQ4 + zh * QQ5));
  const l = hornerLow(h, 0.0, zh, zl, za, zb, QQ1);
  return hornerLow(h * zh + QQ1, l, zh, zl, za, zb, 1.0);
}

function paLow(s: f64, sa: f64, sb: f64): f64 {
  let h = PA4 + s * (PA5 + s * PA6);
  let l = hornerLow(h, 0.0, s, 0.0, sa, sb, PA3);
  h = h * s + PA3;
  l = hornerLow(h, l, s, 0.0, sa, sb, PA2);
  h = h * s + PA2;
  l = hornerLow(h, l, s, 0.0, sa, sb, PA1);
  h = h * s + PA1;
  return hornerLow(h, l, s, 0.0, sa, sb, PA0);
}

function qaLow(s: f64, sa: f64, sb: f64): f64 {
  let h = QA3 + s * (QA4 + s * (QA5 + s * QA6));
  let l = hornerLow(h, 0.0, s, 0.0, sa, sb, QA2);
  h = h * s + QA2;
  l = hornerLow(h, l, s, 0.0, sa, sb, QA1);
  h = h * s + QA1;
  return hornerLow(h, l, s, 0.0, sa, sb, 1.0);
}

function raLow(sh: f64, sl: f64, sa: f64, sb: f64): f64 {
  let h = RA6 + sh * RA7;
  let l = hornerLow(h, 0.0, sh, sl, sa, sb, RA5);
  h = h * sh + RA5;
  l = hornerLow(h, l, sh, sl, sa, sb, RA4);
  h = h * sh + RA4;
  l = hornerLow(h, l, sh, sl, sa, sb, RA3);
  h = h * sh + RA3;
  l = hornerLow(h, l, sh, sl, sa, sb, RA2);
  h = h * sh + RA2;
  l = hornerLow(h, l, sh, sl, sa, sb, RA1);
  h = h * sh + RA1;
  return hornerLow(h, l, sh, sl, sa, sb, RA0);
}

function saLow(sh: f64, sl: f64, sa: f64, sb: f64): f64 {
  let h = SA6 + sh * (SA7 + sh * SA8);
  let l = hornerLow(h, 0.0, sh, sl, sa, sb, SA5);
  h = h * sh + SA5;
  l = hornerLow(h, l, sh, sl, sa, sb, SA4);
  h = h * sh + SA4;
  l = hornerLow(h, l, sh, sl, sa, sb, SA3);
  h = h * sh + SA3;
  l = hornerLow(h, l, sh, sl, sa, sb, SA2);
  h = h * sh + SA2;
  l = hornerLow(h, l, sh, sl, sa, sb, SA1);
  h = h * sh + SA1;
  return hornerLow(h, l, sh, sl, sa, sb, 1.0);
}

function rbLow(sh: f64, sl: f64, sa: f64, sb: f64): f64 {
  let h = RB4 + sh * (RB5 + sh * RB6);
  let l = hornerLow(h, 0.0, sh, sl, sa, sb, RB3);
  h = h * sh + RB3;
  l = hornerLow(h, l, sh, sl, sa, sb, RB2);
  h = h * sh + RB2;
  l = hornerLow(h, l, sh, sl, sa, sb, RB1);
  h = h * sh + RB1;
  return hornerLow(h, l, sh, sl, sa, sb, RB0);
}

function sbLow(sh: f64, sl: f64, sa: f64, sb: f64): f64 {
  let h = SB4 + sh * (SB5 + sh * (SB6 + sh * SB7));
  let l = hornerLow(h, 0.0, sh, sl, sa, sb, SB3);
  h = h * sh + SB3;
  l = hornerLow(h, l, sh, sl, sa, sb, SB2);
  h = h * sh + SB2;
  l = hornerLow(h, l, sh, sl, sa, sb, SB1);
  h = h * sh + SB1;
  return hornerLow(h, l, sh, sl, sa, sb, 1.0);
}

/** erfc(x) for 0.25 <= x < 0.84375: 0.5 - ((x - 0.5) + x R(x^2)), R = PP/QQ in double-double. */
function erfcSmall(x: f64): f64 {
  const xa = splitHigh(x);
  const zh = x * x;
  const zl = mulError(x, xa, x - xa, zh); // x^2 = zh + zl exactly
  const za = splitHigh(zh);
  const zb = zh - za;
  const ph = PP0 + zh * (PP1 + zh * (PP2 + zh * (PP3 + zh * PP4)));
  const qh = 1.0 + zh * (QQ1 + zh * (QQ2 + zh * (QQ3 + zh * (QQ4 + zh * QQ5))));
  const yh = ph / qh;
  const yl = divideLow(ph, ppLow(zh, zl, za, zb), qh, qqLow(zh, zl, za, zb), yh);
  const rh = x * yh;
  const rl = mulError(yh, xa, x - xa, rh) + x * yl; // x R = rh + rl
  const d = x - 0.5; // exact
  const sh = d + rh;
  const sl = addError(d, rh, sh) + rl;
  const u = 0.5 - sh; // |sh| < 0.3, so the fast two-sum below is exact
  return u + (0.5 - u - sh - sl);
}

/** erfc(x) for 0.84375 <= x < 1.25: (1 - ERX) - P(s)/Q(s), s = x - 1, in double-double. */
function erfcNearOne(x: f64): f64 {
  const s = x - 1.0; // exact
  const sa = splitHigh(s);
  const sb = s - sa;
  const ph = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
  const qh = 1.0 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
  const dh = ph / qh;
  const dl = divideLow(ph, paLow(s, sa, sb), qh, qaLow(s, sa, sb), dh);
  const u = ONE_MINUS_ERX - dh;
  return u + (addError(ONE_MINUS_ERX, -dh, u) - dl);
}

/**
 * erfc(x) for 1.25 <= x < 28: exp(-x^2 - 0.5625 + R(s)/S(s)) / x, s = 1/x^2, with the RA/SA
 * fit if `near` (x < 1/0.35), else RB/SB. s, R/S, the exponent, exp and the division are
 * carried in double-double and rounded to double once, at the end. A subnormal result rounds
 * a second time, to its coarser place, which can add up to a quarter ulp.
 */
function erfcTail(x: f64, near: bool): f64 {
  // s = 1/x^2 = sh + sl: x^2 = x2 + x2e exactly, and sh (x2 + x2e) = 1 - e, so 1/x^2 = sh (1 + e).
  const xa = splitHigh(x);
  const x2 = x * x;
  const x2e = mulError(x, xa, x - xa, x2);
  const sh = 1.0 / x2;
  const sa = splitHigh(sh);
  const sb = sh - sa;
  const p = sh * x2;
  const sl = sh * (1.0 - p - mulError(x2, sa, sb, p) - sh * x2e); // 1 - p is exact
  let rh = 0.0;
  let rl = 0.0;
  let qh = 0.0;
  let ql = 0.0;
  if (near) {
    rh = RA0 + sh * (RA1 + sh * (RA2 + sh * (RA3 + sh * (RA4 + sh * (RA5 + sh * (RA6 + sh * RA7))))));
    rl = raLow(sh, sl, sa, sb);
    qh = 1.0 + sh * (SA1 + sh * (SA2 + sh * (SA3 + sh * (SA4 + sh * (SA5 + sh * (SA6 + sh * (SA7 + sh * SA8)))))));
    ql = saLow(sh, sl, sa, sb);
  } else {
    rh = RB0 + sh * (RB1 + sh * (RB2 + sh * (RB3 + sh * (RB4 + sh * (RB5 + sh * RB6)))));
    rl = rbLow(sh, sl, sa, sb);
    qh = 1.0 + sh * (SB1 + sh * (SB2 + sh * (SB3 + sh * (SB4 + sh * (SB5 + sh * (SB6 + sh * SB7))))));
    ql = sbLow(sh, sl, sa, sb);
  }
  const fh = rh / qh; // f = R/S, |f| < 0.22
  const fl = divideLow(rh, rl, qh, ql, fh);

  // Exponent -x^2 - 0.5625 + f = a + (bh + bl). With z = x cut to 21 bits and x = z + d,
  // a = -z^2 - 0.5625 is exact, and so is 2 z d; only d^2 < 2^-32 rounds, far below need.
  const z = fromWords(highWord(x), 0);
  const d = x - z;
  const a = -z * z - 0.5625;
  const t = 2.0 * z * d;
  const bh = fh - t;
  const bl = addError(fh, -t, bh) + fl - d * d;

  // exp(a + bh + bl) = 2^k e^r: r = a + bh + bl - k ln2, |r| < 0.35, as r + re.
  const k = (<i32>((a + bh) * INV_LN2 - 0.5)) | 0; // a + bh < -2: rounds to nearest
  const dk = <f64>k;
  const hi = a - dk * LN2_HI; // exact: dk * LN2_HI has trailing zeros and is near a
  const lo = dk * LN2_LO; // its rounding error is below 2^-75
  const r1 = hi + bh;
  const r2 = r1 - lo;
  const rs = addError(hi, bh, r1) + addError(r1, -lo, r2) + bl; // bl holds d^2, up to 2^-32
  const r = r2 + rs;
  const re = addError(r2, rs, r); // |re| <= ulp(r)/2, so first order in re suffices below
  // e^r = 1 + r + r^2/2 + r^3 E(r), E the Taylor series to r^11/14! (truncation < 2^-63).
  const ra = splitHigh(r);
  const q = r * r;
  const qe = mulError(r, ra, r - ra, q);
  const h2 = 0.5 * q;
  const c3 =
    q *
    r *
    (1.66666666666666666667e-1 +
      r *
        (4.16666666666666666667e-2 +
          r *
            (8.33333333333333333333e-3 +
              r *
                (1.38888888888888888889e-3 +
                  r *
                    (1.98412698412698412698e-4 +
                      r *
                        (2.48015873015873015873e-5 +
                          r *
                            (2.75573192239858906526e-6 +
                              r *
                                (2.75573192239858906526e-7 +
                                  r *
                                    (2.50521083854417187751e-8 +
                                      r *
                                        (2.08767569878680989792e-9 +
                                          r * (1.60590438368216145994e-10 + r * 1.14707455977297247139e-11)))))))))));
  const e1 = 1.0 + r;
  const e2 = e1 + h2;
  const eh = e2 + c3;
  const el = 1.0 - e1 + r + addError(e1, h2, e2) + addError(e2, c3, eh) + 0.5 * qe + re * (1.0 + r + h2);

  // m = (eh + el) / x, then 2^k m with a single rounding (two if the result is subnormal).
  const m1 = eh / x;
  const mp = m1 * x;
  const m = m1 + (eh - mp - mulError(m1, xa, x - xa, mp) + el) / x; // eh - mp is exact
  if (k >= -1021) return m * fromWords((k + 1023) << 20, 0);
  return m * fromWords((k + 1223) << 20, 0) * TWOM200;
}

/** The error function. fdlibm s_erf.c; for |x| >= 1.25, 1 - erfc(|x|) with erfc as above. */
export function erf(x: f64): f64 {
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  if (ix >= 0x7ff00000) {
    if (x != x) return x + x; // NaN
    return hx < 0 ? -1.0 : 1.0; // erf(+-Infinity)
  }
  if (ix < 0x3feb0000) {
    // |x| < 0.84375
    if (ix < 0x3e300000) {
      // |x| < 2^-28: erf(x) = 2x/sqrt(pi); scaled by 8 so a subnormal x keeps its bits
      if (ix < 0x00800000) return 0.125 * (8.0 * x + EFX8 * x);
      return x + EFX * x;
    }
    return x + x * erfSmall(x * x);
  }
  if (ix < 0x3ff40000) {
    // 0.84375 <= |x| < 1.25
    const p = erfNearOne(Math.abs(x) - 1.0);
    return hx >= 0 ? ERX + p : -ERX - p;
  }
  if (ix >= 0x40180000) return hx >= 0 ? 1.0 : -1.0; // |x| >= 6: 1 - erf(|x|) < 2^-53
  const c = erfcTail(Math.abs(x), ix < 0x4006db6d);
  return hx >= 0 ? 1.0 - c : c - 1.0;
}

/**
 * The complementary error function 1 - erf(x), accurate where erf(x) is near 1. fdlibm
 * s_erf.c, except on [0.25, 28), which is evaluated in double-double (above).
 */
export function erfc(x: f64): f64 {
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  if (ix >= 0x7ff00000) {
    if (x != x) return x + x; // NaN
    return hx < 0 ? 2.0 : 0.0; // erfc(-Infinity) = 2, erfc(Infinity) = 0
  }
  if (ix < 0x3feb0000) {
    // |x| < 0.84375
    if (ix < 0x3c700000) return 1.0 - x; // |x| < 2^-56
    if (hx < 0x3fd00000) return 1.0 - (x + x * erfSmall(x * x)); // x < 1/4
    return erfcSmall(x);
  }
  if (ix < 0x3ff40000) {
    // 0.84375 <= |x| < 1.25
    if (hx >= 0) return erfcNearOne(x);
    return 1.0 + (ERX + erfNearOne(-x - 1.0));
  }
  if (ix < 0x403c0000) {
    // 1.25 <= |x| < 28
    if (hx < 0 && ix >= 0x40180000) return 2.0; // x <= -6: erfc(x) rounds to 2
    const c = erfcTail(Math.abs(x), ix < 0x4006db6d);
    return hx > 0 ? c : 2.0 - c;
  }
  return hx > 0 ? 0.0 : 2.0; // |x| >= 28: erfc(x) underflows, or rounds to 2
}

/**
 * log(1 + e^x) without overflow or loss near either tail (Maechler, "Accurately computing
 * log(1 - exp(-|a|))", 2012): for x <= -37 the second series term e^x/2 is below half an
 * ulp; for x > 33.3 e^-x is.
 */
export function log1pexp(x: f64): f64 {
  if (x <= -37.0) return exp(x);
  if (x <= 18.0) return log1p(exp(x));
  if (x <= 33.3) return x + exp(-x);
  return x; // also +Infinity and NaN
}

/** log(e^a + e^b) = max + log1p(e^-|a - b|), which neither overflows nor underflows. */
export function logAddExp(a: f64, b: f64): f64 {
  if (a != a || b != b) return a + b; // NaN in, NaN out
  const hi = Math.max(a, b);
  if (hi == -Infinity || hi == Infinity) return hi; // avoids Infinity - Infinity
  const lo = Math.min(a, b);
  if (lo == -Infinity) return hi; // e^-Infinity = 0 adds nothing, exactly
  return hi + log1p(exp(lo - hi));
}

/**
 * log sum_k exp(v[at + k stride]) for k < K, stably: top + log1p(sum of the others' exp(v_k - top)).
 * The top term is exactly 1 and needs no exp; terms below exp(-40) (under 2^-57, less than a
 * rounding of the sum's leading 1) are left out; log1p keeps full accuracy when the rest is
 * small. -Infinity if all are -Infinity; NaN in, NaN out.
 */
export function logSumExpStrided(v: Float64Array, at: i32, stride: i32, K: i32): f64 {
  let top = -Infinity;
  let best = 0;
  for (let k = 0; k < K; k++) {
    const x = v[at + k * stride];
    if (x != x) return x;
    if (x > top) {
      top = x;
      best = k;
    }
  }
  if (top == -Infinity || top == Infinity) return top;
  let rest = 0.0;
  for (let k = 0; k < K; k++) {
    const x = v[at + k * stride] - top;
    if (k != best && x > -40.0) rest += exp(x);
  }
  return rest == 0.0 ? top : top + log1p(rest);
}
