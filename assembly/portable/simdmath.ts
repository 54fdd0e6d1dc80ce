// JavaScript twin of assembly/simdmath.ts: the row functions on the scalar fdlibm ports, whose
// bits the SIMD lanes reproduce. See that file for the contracts.
import { exp, log1p, logSumExpStrided } from "./math";

export function expRow(x: Float64Array, xo: i32, shift: f64, out: Float64Array, oo: i32, n: i32): void {
  for (let i = 0; i < n; i++) out[oo + i] = exp(x[xo + i] - shift);
}

export function log1pRow(x: Float64Array, xo: i32, out: Float64Array, oo: i32, n: i32): void {
  for (let i = 0; i < n; i++) out[oo + i] = log1p(x[xo + i]);
}

export function logSumExpColumns(v: Float64Array, at: i32, stride: i32, K: i32, out: Float64Array, oo: i32, n: i32): void {
  for (let j = 0; j < n; j++) out[oo + j] = logSumExpStrided(v, at + j, stride, K);
}
