// xoshiro128** (Blackman & Vigna): 32-bit state words, so the same integer stream comes out of
// WASM and JavaScript. A generator's state is 4 words of an Int32Array at `at`; many streams
// (one per chain) live side by side, stream j at 4 j.
import { mul32 } from "./glue";
import { log } from "./math";

/** fmix32 from MurmurHash3: a bijective avalanche on 32 bits, used only for seeding. */
function mix32(h: i32): i32 {
  h ^= h >>> 16;
  h = mul32(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = mul32(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function rotl(x: i32, k: i32): i32 {
  return (x << k) | (x >>> (32 - k));
}

// The generator being drawn from, held in these words (not in its Int32Array) across a run of
// draws: hold() loads it, release() stores it back. One generator is held at a time: a draw
// through its Int32Array (nextInt, uniform, ...) must not come between hold() and release().
let w0 = 0;
let w1 = 0;
let w2 = 0;
let w3 = 0;

/** Holds the generator at state[at..at+3] (see above). */
export function hold(state: Int32Array, at: i32): void {
  w0 = state[at];
  w1 = state[at + 1];
  w2 = state[at + 2];
  w3 = state[at + 3];
}

/** Stores the held generator back to state[at..at+3]. */
export function release(state: Int32Array, at: i32): void {
  state[at] = w0;
  state[at + 1] = w1;
  state[at + 2] = w2;
  state[at + 3] = w3;
}

/** Next 32 random bits of the held generator. */
export function heldInt(): i32 {
  const result = mul32(rotl(mul32(w1, 5), 7), 9);
  const t = w1 << 9;
  w2 ^= w0;
  w3 ^= w1;
  w1 ^= w2;
  w0 ^= w3;
  w2 ^= t;
  w3 = rotl(w3, 11);
  return result;
}

/** Uniform on [0, 1) with 53 random bits, from the held generator. */
export function heldUniform(): f64 {
  const hi = heldInt() >>> 5; // 27 bits
  const lo = heldInt() >>> 6; // 26 bits
  return (<f64>hi * 67108864.0 + <f64>lo) * 1.1102230246251565e-16; // 2^-53
}

/** Next 32 random bits of the generator at state[at..at+3]. */
export function nextInt(state: Int32Array, at: i32): i32 {
  hold(state, at);
  const r = heldInt();
  release(state, at);
  return r;
}

/** Uniform on [0, 1) with 53 random bits. */
export function uniform(state: Int32Array, at: i32): f64 {
  hold(state, at);
  const u = heldUniform();
  release(state, at);
  return u;
}

/** Uniform on the open interval (0, 1): never 0, so log(u) is finite. */
export function uniformOpen(state: Int32Array, at: i32): f64 {
  hold(state, at);
  const hi = heldInt() >>> 5;
  const lo = heldInt() >>> 6;
  release(state, at);
  return (<f64>hi * 67108864.0 + <f64>lo + 0.5) * 1.1102230246251565e-16;
}

/** Advances the generator by 2^64 steps: streams j and j + 1 never overlap in practice. */
export function jump(state: Int32Array, at: i32): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  hold(state, at);
  for (let i = 0; i < 4; i++) {
    const word = i == 0 ? 0x8764000b : i == 1 ? 0xf542d2d3 : i == 2 ? 0x6fa035c3 : 0x77f2db5b;
    for (let b = 0; b < 32; b++) {
      if (((word >>> b) & 1) != 0) {
        s0 ^= w0;
        s1 ^= w1;
        s2 ^= w2;
        s3 ^= w3;
      }
      heldInt();
    }
  }
  state[at] = s0;
  state[at + 1] = s1;
  state[at + 2] = s2;
  state[at + 3] = s3;
}

/**
 * Seeds `streams` generators in state[0 .. 4 streams) from a seed given as two 32-bit words:
 * stream 0 from the mixed seed, stream j as stream j - 1 jumped by 2^64.
 */
export function seedStreams(state: Int32Array, seedLo: i32, seedHi: i32, streams: i32): void {
  seedStreamsFrom(state, seedLo, seedHi, 0, streams);
}

/**
 * seedStreams for streams first .. first + streams - 1 of the seed, written at state[0 ..):
 * a block of chains run alone draws exactly what it draws in the full run.
 */
export function seedStreamsFrom(state: Int32Array, seedLo: i32, seedHi: i32, first: i32, streams: i32): void {
  let h = mix32(seedLo ^ 0x2545f491);
  for (let i = 0; i < 4; i++) {
    h = mix32((h + mix32(seedHi + mul32(i + 1, 0x9e3779b9))) | 0);
    state[i] = h;
  }
  if ((state[0] | state[1] | state[2] | state[3]) == 0) state[0] = 1; // the one forbidden state
  for (let j = 0; j < first; j++) jump(state, 0);
  for (let j = 1; j < streams; j++) {
    const at = 4 * j;
    for (let k = 0; k < 4; k++) state[at + k] = state[at - 4 + k];
    jump(state, at);
  }
}

/**
 * Fills out[from .. from + n) with standard normals (Marsaglia's polar method; both values of
 * each accepted pair are used).
 */
export function fillNormal(state: Int32Array, at: i32, out: Float64Array, from: i32, n: i32): void {
  let i = from;
  const end = from + n;
  hold(state, at);
  while (i < end) {
    let u = 0.0;
    let v = 0.0;
    let s = 0.0;
    do {
      u = 2.0 * heldUniform() - 1.0;
      v = 2.0 * heldUniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const f = Math.sqrt((-2.0 * log(s)) / s);
    out[i++] = u * f;
    if (i < end) out[i++] = v * f;
  }
  release(state, at);
}
