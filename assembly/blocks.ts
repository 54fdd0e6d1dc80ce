// Kernels that evaluate several points per pass, two in the f64x2 lanes of WASM SIMD, each
// point by exactly the operations (and in the order) of the scalar code, so that
// assembly/portable/blocks.ts, the JavaScript twin swapped in by scripts/build.mjs, computes
// the same bits one point at a time.
import { logSumExpStrided } from "./math";
import { expPair, logSumExpPair, logSumExpTwo } from "./simdmath";
import { HEADER, KIND_FULL, offFactors, offMeans } from "./descriptor";
import { pairAt } from "./vector";

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

/**
 * out[oo + j] = log pi(x_j) for the DENSITY_BLOCK points x_j = points[at + j d ..], two pairs
 * of lanes per pass over each row of L_k: per point the operations of componentLogDensity and
 * logSumExp. work: mixtureDensityWork(d, K) entries (each pair's K log terms, then its z; a
 * diagonal covariance needs no z). Loads go through pointers: an indexed load after a store
 * re-reads the array's header.
 */
export function mixtureLogDensityBlock(t: Float64Array, points: Float64Array, at: i32, out: Float64Array, oo: i32, work: Float64Array): void {
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  const full = (<i32>t[0]) == KIND_FULL;
  const pm = t.dataStart + (<usize>offMeans(t) << 3);
  const pf = t.dataStart + (<usize>offFactors(t) << 3);
  const pc = t.dataStart + (<usize>HEADER << 3);
  const px = points.dataStart + (<usize>at << 3);
  const step = <usize>d << 3; // from a point to the next
  const pz = work.dataStart + (<usize>(4 * K) << 3); // z of the first pair; the second's follows
  const pzb = pz + (<usize>d << 4);
  const pt = work.dataStart;
  const ptb = pt + (<usize>K << 4);
  const half = f64x2.splat(0.5);
  for (let k = 0; k < K; k++) {
    let qa = f64x2.splat(0.0);
    let qb = f64x2.splat(0.0);
    const mk = pm + <usize>(k * d) * 8;
    if (full) {
      const lk = pf + <usize>(k * d * d) * 8;
      for (let i = 0; i < d; i++) {
        const o = <usize>i << 3;
        const m = v128.load64_splat(mk + o);
        let sa = f64x2.sub(pairAt(px + o, step), m);
        let sb = f64x2.sub(pairAt(px + 2 * step + o, step), m);
        const row = lk + <usize>(i * d) * 8;
        for (let p = 0; p < i; p++) {
          const l = v128.load64_splat(row + (<usize>p << 3));
          const zo = <usize>p << 4;
          sa = f64x2.sub(sa, f64x2.mul(l, v128.load(pz + zo)));
          sb = f64x2.sub(sb, f64x2.mul(l, v128.load(pzb + zo)));
        }
        const inv = v128.load64_splat(row + o);
        const za = f64x2.mul(sa, inv);
        const zb = f64x2.mul(sb, inv);
        v128.store(pz + (<usize>i << 4), za);
        v128.store(pzb + (<usize>i << 4), zb);
        qa = f64x2.add(qa, f64x2.mul(za, za));
        qb = f64x2.add(qb, f64x2.mul(zb, zb));
      }
    } else {
      const sk = pf + <usize>(k * d) * 8;
      for (let i = 0; i < d; i++) {
        const o = <usize>i << 3;
        const m = v128.load64_splat(mk + o);
        const inv = v128.load64_splat(sk + o);
        const za = f64x2.mul(f64x2.sub(pairAt(px + o, step), m), inv);
        const zb = f64x2.mul(f64x2.sub(pairAt(px + 2 * step + o, step), m), inv);
        qa = f64x2.add(qa, f64x2.mul(za, za));
        qb = f64x2.add(qb, f64x2.mul(zb, zb));
      }
    }
    const c = v128.load64_splat(pc + (<usize>k << 3));
    v128.store(pt + (<usize>k << 4), f64x2.sub(c, f64x2.mul(half, qa)));
    v128.store(ptb + (<usize>k << 4), f64x2.sub(c, f64x2.mul(half, qb)));
  }
  const po = out.dataStart + (<usize>oo << 3);
  v128.store(po, logSumExpPair(work, 0, K));
  v128.store(po, logSumExpPair(work, 2 * K, K), 16);
}

/** Points per call of mixtureGradBlock. */
export const GRAD_BLOCK = 4;


/** Stores the lanes of v at p and p + step. */
// @ts-ignore: decorator
@inline function storePair(p: usize, step: usize, v: v128): void {
  v128.store64_lane(p, v, 0);
  v128.store64_lane(p + step, v, 1);
}

/**
 * logp[lo + j] = log pi(x_j) and grad[at + j d ..] = grad log pi(x_j) for the GRAD_BLOCK
 * points x_j = points[at + j d ..], two pairs of lanes per pass over each row of L_k (and,
 * back substituting, each column): per point the operations of pointGradient. work:
 * mixtureGradWork(d, K) entries (each pair's K log terms, then its K z_k, then its gradient).
 */
export function mixtureGradBlock(t: Float64Array, points: Float64Array, at: i32, logp: Float64Array, lo: i32, grad: Float64Array, work: Float64Array): void {
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  const full = (<i32>t[0]) == KIND_FULL;
  const pd = t.dataStart;
  const pm = pd + (<usize>offMeans(t) << 3);
  const pf = pd + (<usize>offFactors(t) << 3);
  const px = points.dataStart + (<usize>at << 3);
  const pgrad = grad.dataStart + (<usize>at << 3);
  const step = <usize>d << 3; // from a point to the next
  const zLen = <usize>(K * d) << 4; // one pair's z_k
  const pt = work.dataStart;
  const ptb = pt + (<usize>K << 4);
  const pz = ptb + (<usize>K << 4); // z_k of the first pair at pz + (k d + i) 16; the second's follows
  const pg = pz + 2 * zLen; // the first pair's gradient; the second's follows
  const pgb = pg + (<usize>d << 4);
  const half = f64x2.splat(0.5);
  const zero = f64x2.splat(0.0);
  for (let k = 0; k < K; k++) {
    const zk = pz + (<usize>(k * d) << 4);
    const lk = pf + (<usize>(full ? k * d * d : k * d) << 3);
    let qa = zero;
    let qb = zero;
    for (let i = 0; i < d; i++) {
      const m = v128.load64_splat(pm + (<usize>(k * d + i) << 3));
      const o = <usize>i << 3;
      let sa = f64x2.sub(pairAt(px + o, step), m);
      let sb = f64x2.sub(pairAt(px + 2 * step + o, step), m);
      let inv = zero;
      if (full) {
        const row = lk + <usize>i * step;
        for (let p = 0; p < i; p++) {
          const l = v128.load64_splat(row + (<usize>p << 3));
          const q = zk + (<usize>p << 4);
          sa = f64x2.sub(sa, f64x2.mul(l, v128.load(q)));
          sb = f64x2.sub(sb, f64x2.mul(l, v128.load(q + zLen)));
        }
        inv = v128.load64_splat(row + o);
      } else {
        inv = v128.load64_splat(lk + o);
      }
      const za = f64x2.mul(sa, inv);
      const zb = f64x2.mul(sb, inv);
      const q = zk + (<usize>i << 4);
      v128.store(q, za);
      v128.store(q + zLen, zb);
      qa = f64x2.add(qa, f64x2.mul(za, za));
      qb = f64x2.add(qb, f64x2.mul(zb, zb));
    }
    const c = v128.load64_splat(pd + (<usize>(HEADER + k) << 3));
    v128.store(pt + (<usize>k << 4), f64x2.sub(c, f64x2.mul(half, qa)));
    v128.store(ptb + (<usize>k << 4), f64x2.sub(c, f64x2.mul(half, qb)));
  }
  const la = logSumExpPair(work, 0, K);
  const lb = logSumExpPair(work, 2 * K, K);
  const pl = logp.dataStart + (<usize>lo << 3);
  v128.store(pl, la);
  v128.store(pl, lb, 16);
  for (let i = 0; i < d; i++) {
    v128.store(pg + (<usize>i << 4), zero);
    v128.store(pgb + (<usize>i << 4), zero);
  }
  for (let k = 0; k < K; k++) {
    const ra = expPair(f64x2.sub(v128.load(pt + (<usize>k << 4)), la));
    const rb = expPair(f64x2.sub(v128.load(ptb + (<usize>k << 4)), lb));
    const zk = pz + (<usize>(k * d) << 4);
    const lk = pf + (<usize>(full ? k * d * d : k * d) << 3);
    for (let r = 0; r < d; r++) {
      const i = full ? d - 1 - r : r; // back substitution runs from the last coordinate up
      const q = zk + (<usize>i << 4);
      let va = v128.load(q);
      let vb = v128.load(q + zLen);
      if (full) {
        // v = L^-T z overwrites z: column i of L below the diagonal against the v's found
        const col = lk + (<usize>i << 3);
        for (let p = i + 1; p < d; p++) {
          const l = v128.load64_splat(col + <usize>p * step);
          const v = zk + (<usize>p << 4);
          va = f64x2.sub(va, f64x2.mul(l, v128.load(v)));
          vb = f64x2.sub(vb, f64x2.mul(l, v128.load(v + zLen)));
        }
        const inv = v128.load64_splat(col + <usize>i * step);
        va = f64x2.mul(va, inv);
        vb = f64x2.mul(vb, inv);
        v128.store(q, va);
        v128.store(q + zLen, vb);
      } else {
        const inv = v128.load64_splat(lk + (<usize>i << 3));
        va = f64x2.mul(va, inv);
        vb = f64x2.mul(vb, inv);
      }
      const g = <usize>i << 4;
      v128.store(pg + g, f64x2.sub(v128.load(pg + g), f64x2.mul(ra, va)));
      v128.store(pgb + g, f64x2.sub(v128.load(pgb + g), f64x2.mul(rb, vb)));
    }
  }
  for (let i = 0; i < d; i++) {
    const o = <usize>i << 3;
    storePair(pgrad + o, step, v128.load(pg + (<usize>i << 4)));
    storePair(pgrad + 2 * step + o, step, v128.load(pgb + (<usize>i << 4)));
  }
}
