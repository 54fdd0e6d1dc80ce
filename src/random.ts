// Seeded standard normals from the kernels' generator, for callers that need random numbers
// that do not depend on the JavaScript engine (Math.random cannot be seeded, and a Box-Muller
// on Math.log and Math.cos may differ in the last bit between engines).
import * as P from "./generated/portable/index.js";
import { integer, knownKeys, options, seed as seedOption } from "./validate.js";

/**
 * `n` independent standard normal draws: xoshiro128** seeded from `seed`, Marsaglia's polar
 * method on the kernels' own log. Same seed, same bits, in every engine and on both backends
 * (it runs the portable kernels, which match the WASM ones bit for bit). The first `k` draws
 * of `normalDraws(n)` are `normalDraws(k)` for any `k < n`.
 *
 * @param n - How many draws: an integer in [1, 1e8].
 * @param opts.seed - An integer in [0, 2^53); default 0.
 * @throws TypeError or RangeError naming `n` or `options.seed` when either is not as above.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const z = normalDraws(100000, { seed: 1 });
 * const mean = z.reduce((s, v) => s + v, 0) / z.length;
 * assert.ok(Math.abs(mean) < 0.01); // standard error 0.003
 * assert.deepEqual(normalDraws(3, { seed: 1 }), z.subarray(0, 3)); // same seed, same draws
 * ```
 */
export function normalDraws(n: number, opts: { seed?: number } = {}): Float64Array {
  integer("n", n, 1, 1e8);
  const o = options("options", opts);
  knownKeys("options", o, ["seed"]);
  const s = seedOption("options.seed", o.seed ?? 0);
  const state = new Int32Array(4);
  P.seedStreams(state, s.lo, s.hi, 1);
  const out = new Float64Array(n);
  P.fillNormal(state, 0, out, 0, n);
  return out;
}
