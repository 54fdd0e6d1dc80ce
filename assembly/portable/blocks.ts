// JavaScript twin of assembly/blocks.ts: one point at a time, each by the same operations in
// the same order as a SIMD lane there. See that file for the contracts.
import { logSumExpStrided } from "./math";
import { expRow } from "./simdmath";
import { componentLogDensity, pointGradientFrom } from "./descriptor";

export function lineExpectation(abc: Float64Array, ao: i32, K: i32, ct: Float64Array, co: i32, ts: Float64Array, to: i32, G: i32, weight: f64, e: Float64Array, eo: i32): void {
  const scratch = ao + 3 * K;
  for (let g = 0; g < G; g++) {
    const tg = ts[to + g];
    for (let k = 0; k < K; k++) abc[scratch + k] = ct[co + k] - 0.5 * (abc[ao + 3 * k] + tg * (2.0 * abc[ao + 3 * k + 1] + tg * abc[ao + 3 * k + 2]));
    e[eo + g] -= weight * logSumExpStrided(abc, scratch, 1, K);
  }
}

export const DENSITY_BLOCK = 4;

export function mixtureLogDensityBlock(t: Float64Array, points: Float64Array, at: i32, out: Float64Array, oo: i32, work: Float64Array): void {
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  for (let j = 0; j < DENSITY_BLOCK; j++) {
    for (let k = 0; k < K; k++) work[k] = componentLogDensity(t, k, points, at + j * d, work, K);
    out[oo + j] = logSumExpStrided(work, 0, 1, K);
  }
}

export const GRAD_BLOCK = 4;

export function mixtureGradBlock(t: Float64Array, points: Float64Array, at: i32, logp: Float64Array, lo: i32, grad: Float64Array, work: Float64Array): void {
  // point j's log terms (then responsibilities) at work[j K ..], its z_k at work[GRAD_BLOCK K +
  // (j K + k) d]: each step for all the points in turn, as in the one-point code
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  const zo = GRAD_BLOCK * K;
  for (let j = 0; j < GRAD_BLOCK; j++) for (let k = 0; k < K; k++) work[j * K + k] = componentLogDensity(t, k, points, at + j * d, work, zo + (j * K + k) * d);
  for (let j = 0; j < GRAD_BLOCK; j++) logp[lo + j] = logSumExpStrided(work, j * K, 1, K);
  for (let j = 0; j < GRAD_BLOCK; j++) for (let k = 0; k < K; k++) work[j * K + k] -= logp[lo + j];
  expRow(work, 0, 0.0, work, 0, zo); // the responsibilities: (l - lp) - 0 is l - lp, as in pointGradient
  for (let j = 0; j < GRAD_BLOCK; j++) pointGradientFrom(t, work, j * K, zo + j * K * d, grad, at + j * d);
}
