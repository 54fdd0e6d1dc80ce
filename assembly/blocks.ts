// Kernels that evaluate several points per pass, two in the f64x2 lanes of WASM SIMD, each
// point by exactly the operations (and in the order) of the scalar code, so that
// assembly/portable/blocks.ts, the JavaScript twin swapped in by scripts/build.mjs, computes
// the same bits one point at a time.
import { logSumExpStrided } from "./math";
import { logSumExpPair } from "./simdmath";

/**
 * MFVI's mixture line: for each grid point t_g = lo + h (g + 1/2), g < G, the K log terms
 * c_k - (a_k + t_g (2 b_k + t_g c_k)) / 2 (c_k = ct[co + k]; a_k, b_k, c_k at
 * abc[ao + 3k ..]) and e[eo + g] -= weight * (their log-sum-exp). abc[ao + 3K ..] holds 2K
 * entries of scratch. Grid points g, g + 1 share the lanes.
 */
export function lineExpectation(abc: Float64Array, ao: i32, K: i32, ct: Float64Array, co: i32, lo: f64, h: f64, G: i32, weight: f64, e: Float64Array, eo: i32): void {
  const scratch = ao + 3 * K;
  const vlo = f64x2.splat(lo);
  const vh = f64x2.splat(h);
  const half = f64x2.splat(0.5);
  const pe = e.dataStart + (<usize>eo << 3);
  const ps = abc.dataStart + (<usize>scratch << 3);
  let g = 0;
  for (; g + 1 < G; g += 2) {
    const tg = f64x2.add(vlo, f64x2.mul(vh, f64x2.replace_lane(f64x2.splat(<f64>g + 0.5), 1, <f64>g + 1.5)));
    for (let k = 0; k < K; k++) {
      const q = ao + 3 * k;
      const b2 = f64x2.splat(2.0 * abc[q + 1]);
      const quad = f64x2.add(f64x2.splat(abc[q]), f64x2.mul(tg, f64x2.add(b2, f64x2.mul(tg, f64x2.splat(abc[q + 2])))));
      v128.store(ps + (<usize>k << 4), f64x2.sub(f64x2.splat(ct[co + k]), f64x2.mul(half, quad)));
    }
    const o = <usize>g << 3;
    v128.store(pe + o, f64x2.sub(v128.load(pe + o), f64x2.mul(f64x2.splat(weight), logSumExpPair(abc, scratch, K))));
  }
  if (g < G) {
    const tg = lo + h * (<f64>g + 0.5);
    for (let k = 0; k < K; k++) abc[scratch + k] = ct[co + k] - 0.5 * (abc[ao + 3 * k] + tg * (2.0 * abc[ao + 3 * k + 1] + tg * abc[ao + 3 * k + 2]));
    e[eo + g] -= weight * logSumExpStrided(abc, scratch, 1, K);
  }
}
