// The few primitives whose AssemblyScript and JavaScript spellings must differ.
// Kernels import them from "./glue"; assembly/portable/glue.ts is the JavaScript twin with
// the same signatures, swapped in by scripts/build.mjs when the kernels are compiled by tsc.
// Everything else in assembly/ is written once and compiles under both asc and tsc.

/** High 32 bits of an f64's IEEE-754 representation (fdlibm's __HI). */
// @ts-ignore: decorator
@inline export function highWord(x: f64): i32 {
  return <i32>(reinterpret<u64>(x) >>> 32);
}

/** Low 32 bits of an f64's IEEE-754 representation (fdlibm's __LO). */
// @ts-ignore: decorator
@inline export function lowWord(x: f64): i32 {
  return <i32>reinterpret<u64>(x);
}

/** The f64 whose IEEE-754 representation is (hi, lo). */
// @ts-ignore: decorator
@inline export function fromWords(hi: i32, lo: i32): f64 {
  return reinterpret<f64>((<u64>hi << 32) | <u64><u32>lo);
}

/** 32-bit wrapping multiplication. */
// @ts-ignore: decorator
@inline export function mul32(a: i32, b: i32): i32 {
  return a * b;
}

/** A Float64Array of n entries whose contents are unspecified (not zeroed): for buffers the caller fills before reading. */
export function unfilledF64(n: i32): Float64Array {
  return Float64Array.wrap(changetype<ArrayBuffer>(__new(<usize>n << 3, idof<ArrayBuffer>())));
}
