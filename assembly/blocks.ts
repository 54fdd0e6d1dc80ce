// Kernels that evaluate several points per pass, two in the f64x2 lanes of WASM SIMD, each
// point by exactly the operations (and in the order) of the scalar code, so that
// assembly/portable/blocks.ts, the JavaScript twin swapped in by scripts/build.mjs, computes
// the same bits one point at a time.
import { logSumExpStrided } from "./math";
import { logSumExpPair, logSumExpTwo } from "./simdmath";
import { HEADER, KIND_FULL, offFactors, offMeans } from "./descriptor";

/**
 * MFVI's mixture line: for each grid point t_g = ts[to + g], g < G, the K log terms
 * c_k - (a_k + t_g (2 b_k + t_g c_k)) / 2 (c_k = ct[co + k]; a_k, b_k, c_k at
 * abc[ao + 3k ..]) and e[eo + g] -= weight * (their log-sum-exp). abc[ao + 3K ..] holds 2K
 * entries of scratch. Grid points g, g + 1 share the lanes.
 */
export function lineExpectation(abc: Float64Array, ao: i32, K: i32, ct: Float64Array, co: i32, ts: Float64Array, to: i32, G: i32, weight: f64, e: Float64Array, eo: i32): void {
  const scratch = ao + 3 * K;
  const pt = ts.dataStart + (<usize>to << 3);
  const half = f64x2.splat(0.5);
  const pe = e.dataStart + (<usize>eo << 3);
  const ps = abc.dataStart + (<usize>scratch << 3);
  let g = 0;
  if (K == 2) {
    // two components (the paper's mixtures): the log terms stay in registers, which made
    // sampled sweeps 1.3x faster than the general path through the scratch
    const c0 = f64x2.splat(ct[co]);
    const c1 = f64x2.splat(ct[co + 1]);
    const a0 = f64x2.splat(abc[ao]);
    const b0 = f64x2.splat(2.0 * abc[ao + 1]);
    const q0 = f64x2.splat(abc[ao + 2]);
    const a1 = f64x2.splat(abc[ao + 3]);
    const b1 = f64x2.splat(2.0 * abc[ao + 4]);
    const q1 = f64x2.splat(abc[ao + 5]);
    const w = f64x2.splat(weight);
    for (; g + 1 < G; g += 2) {
      const tg = v128.load(pt + (<usize>g << 3));
      const l0 = f64x2.sub(c0, f64x2.mul(half, f64x2.add(a0, f64x2.mul(tg, f64x2.add(b0, f64x2.mul(tg, q0))))));
      const l1 = f64x2.sub(c1, f64x2.mul(half, f64x2.add(a1, f64x2.mul(tg, f64x2.add(b1, f64x2.mul(tg, q1))))));
      const o = <usize>g << 3;
      v128.store(pe + o, f64x2.sub(v128.load(pe + o), f64x2.mul(w, logSumExpTwo(l0, l1, abc, scratch, 2))));
    }
  }
  for (; g + 1 < G; g += 2) {
    const tg = v128.load(pt + (<usize>g << 3));
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
    const tg = ts[to + g];
    for (let k = 0; k < K; k++) abc[scratch + k] = ct[co + k] - 0.5 * (abc[ao + 3 * k] + tg * (2.0 * abc[ao + 3 * k + 1] + tg * abc[ao + 3 * k + 2]));
    e[eo + g] -= weight * logSumExpStrided(abc, scratch, 1, K);
  }
}

/** Points per call of mixtureLogDensityBlock. */
export const DENSITY_BLOCK = 4;

/** The pair of points[a], points[b] in lanes 0 and 1. */
// @ts-ignore: decorator
@inline function gather(x: Float64Array, a: i32, b: i32): v128 {
  return f64x2.replace_lane(f64x2.splat(x[a]), 1, x[b]);
}

/**
 * out[oo + j] = log pi(x_j) for the DENSITY_BLOCK points x_j = points[at + j d ..], two pairs
 * of lanes per pass over each row of L_k: per point the operations of componentLogDensity and
 * logSumExp. work: mixtureDensityWork(d, K) entries (each pair's K log terms, then its z).
 */
export function mixtureLogDensityBlock(t: Float64Array, points: Float64Array, at: i32, out: Float64Array, oo: i32, work: Float64Array): void {
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  const full = (<i32>t[0]) == KIND_FULL;
  const mo = offMeans(t);
  const fo = offFactors(t);
  const pz = work.dataStart + (<usize>(4 * K) << 3); // z of the first pair; the second's follows
  const pzb = pz + (<usize>d << 4);
  const pt = work.dataStart;
  const ptb = pt + (<usize>K << 4);
  const half = f64x2.splat(0.5);
  for (let k = 0; k < K; k++) {
    let qa = f64x2.splat(0.0);
    let qb = f64x2.splat(0.0);
    for (let i = 0; i < d; i++) {
      const m = f64x2.splat(t[mo + k * d + i]);
      let sa = f64x2.sub(gather(points, at + i, at + d + i), m);
      let sb = f64x2.sub(gather(points, at + 2 * d + i, at + 3 * d + i), m);
      let inv = f64x2.splat(0.0);
      if (full) {
        const row = fo + k * d * d + i * d;
        for (let p = 0; p < i; p++) {
          const l = f64x2.splat(t[row + p]);
          const o = <usize>p << 4;
          sa = f64x2.sub(sa, f64x2.mul(l, v128.load(pz + o)));
          sb = f64x2.sub(sb, f64x2.mul(l, v128.load(pzb + o)));
        }
        inv = f64x2.splat(t[row + i]);
      } else {
        inv = f64x2.splat(t[fo + k * d + i]);
      }
      const za = f64x2.mul(sa, inv);
      const zb = f64x2.mul(sb, inv);
      v128.store(pz + (<usize>i << 4), za);
      v128.store(pzb + (<usize>i << 4), zb);
      qa = f64x2.add(qa, f64x2.mul(za, za));
      qb = f64x2.add(qb, f64x2.mul(zb, zb));
    }
    const c = f64x2.splat(t[HEADER + k]);
    v128.store(pt + (<usize>k << 4), f64x2.sub(c, f64x2.mul(half, qa)));
    v128.store(ptb + (<usize>k << 4), f64x2.sub(c, f64x2.mul(half, qb)));
  }
  const po = out.dataStart + (<usize>oo << 3);
  v128.store(po, logSumExpPair(work, 0, K));
  v128.store(po, logSumExpPair(work, 2 * K, K), 16);
}
