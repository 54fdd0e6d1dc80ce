// JavaScript twin of assembly/glue.ts (same exports, same results bit for bit).
// Word access goes through a typed-array view; every engine rovi targets is little-endian
// (checked when the package loads), so word 0 is the low half and word 1 the high half.
const scratch = new Float64Array(1);
const words = new Int32Array(scratch.buffer);

export function highWord(x: f64): i32 {
  scratch[0] = x;
  return words[1];
}

export function lowWord(x: f64): i32 {
  scratch[0] = x;
  return words[0];
}

export function fromWords(hi: i32, lo: i32): f64 {
  words[1] = hi;
  words[0] = lo;
  return scratch[0];
}

export function mul32(a: i32, b: i32): i32 {
  return Math.imul(a, b);
}

export function unfilledF64(n: i32): Float64Array {
  return new Float64Array(n);
}
