// The kernel module: compiled by asc to build/rovi.wasm and, unchanged, by tsc to the pure-JS
// backend (scripts/build.mjs). Both see the same exports. The portable subset every file in
// assembly/ keeps to (so the two backends agree bit for bit):
//  - types f64, i32, bool, Float64Array, Int32Array only (assembly/portable/types.d.ts);
//  - f64 -> i32 is written `(<i32>x) | 0` (tsc erases the cast, `| 0` truncates in JS);
//  - i32 sums that may overflow are written `(a + b) | 0`; products use mul32 from ./glue;
//  - Math.sqrt/abs/floor/ceil/min/max only (exact in both); exp, log, erf, ... from ./math;
//  - no allocation inside hot loops: callers pass work buffers;
//  - `@inline ` only at the start of the line after `// @ts-ignore: decorator` (the JS build drops both).
import { unfilledF64 } from "./glue";

export { exp, log, log1p, expm1, erf, erfc, log1pexp, logAddExp } from "./math";
export { expRow, log1pRow, logSumExpColumns } from "./simdmath";
export { lineExpectation } from "./blocks";
export {
  absMax,
  addSquares,
  allFinite,
  axpyRow,
  divideRow,
  lineRows,
  matVec2,
  matVecSkipping,
  rowSquares,
  standardize,
  subtractProducts,
  subtractRows,
  subtractRowSquares2,
  swapRanges,
  transpose,
} from "./vector";
export * from "./targets";
export * from "./histogram";
export * from "./mfvi";
export * from "./svd";
export * from "./rovi";
export * from "./lmc";
export * from "./advi";
export * from "./posteriors";
export { nextInt, uniform, seedStreams, seedStreamsFrom, fillNormal, jump } from "./random";

/** Allocates a Float64Array the host keeps (pinned) as a kernel buffer. */
export function allocF64(n: i32): Float64Array {
  return new Float64Array(n);
}

/** allocF64 without zeroing the entries: for buffers the host overwrites before any kernel reads them. */
export function allocF64Unfilled(n: i32): Float64Array {
  return unfilledF64(n);
}

/** Allocates an Int32Array the host keeps (pinned) as a kernel buffer. */
export function allocI32(n: i32): Int32Array {
  return new Int32Array(n);
}
