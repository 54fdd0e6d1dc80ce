// JavaScript twin of assembly/simdmath.ts: the row functions on the scalar fdlibm ports, whose
// bits the SIMD lanes reproduce. See that file for the contracts.
import { exp, log1p } from "./math";

export function expRow(x: Float64Array, xo: i32, shift: f64, out: Float64Array, oo: i32, n: i32): void {
  for (let i = 0; i < n; i++) out[oo + i] = exp(x[xo + i] - shift);
}

export function log1pRow(x: Float64Array, xo: i32, out: Float64Array, oo: i32, n: i32): void {
  for (let i = 0; i < n; i++) out[oo + i] = log1p(x[xo + i]);
}
