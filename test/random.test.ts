// normalDraws (src/random.ts) against an independent implementation of the generator
// (test/fixtures/random.json, written by test/fixtures/make_random.py with mpmath), and bit for
// bit against the WASM kernels.
import { describe, expect, test } from "vitest";
import { getBackend } from "../src/backend.js";
import { normalDraws } from "../src/index.js";
import fixture from "./fixtures/random.json" with { type: "json" };

/** The spacing of doubles at |x| (x finite, nonzero). */
const ulpOf = (x: number) => 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52);

describe("normalDraws", () => {
  // Each draw is u sqrt(-2 ln(s) / s) from a double s: the kernels' log (within 1 ulp), the
  // division, the square root and the product add up to 3.5 ulps relative to the draw; the
  // reference, exact and rounded once, adds half an ulp.
  const ULPS = 4;

  test.each(fixture.cases)("seed $seed: within 4 ulps of the exact polar-method draws", ({ seed, draws }) => {
    const got = normalDraws(draws.length, { seed });
    expect(got).toHaveLength(draws.length);
    draws.forEach((want, i) => expect(Math.abs(got[i] - want), `draw ${i}: ${got[i]}, want ${want}`).toBeLessThanOrEqual(ULPS * ulpOf(want)));
  });

  test("gives the WASM kernels' bits", async () => {
    const wasm = await getBackend("wasm");
    for (const { seed, draws } of fixture.cases) {
      const n = draws.length;
      const rng = wasm.i32(4);
      const out = wasm.f64(n);
      wasm.kernels.seedStreams(rng.handle, seed | 0, Math.floor(seed / 4294967296) | 0, 1);
      wasm.kernels.fillNormal(rng.handle, 0, out.handle, 0, n);
      expect(normalDraws(n, { seed })).toEqual(Float64Array.from(out.view));
      wasm.free(rng);
      wasm.free(out);
    }
  });

  test("the first k draws of n are the k draws; the seed defaults to 0", () => {
    const long = normalDraws(12, { seed: 5 });
    for (const k of [1, 2, 5, 11]) expect(normalDraws(k, { seed: 5 })).toEqual(long.subarray(0, k));
    expect(normalDraws(6)).toEqual(normalDraws(6, { seed: 0 }));
    expect(normalDraws(6, { seed: 1 })).not.toEqual(normalDraws(6, { seed: 0 }));
  });

  test.each([
    [() => normalDraws(0), RangeError, /^n must be an integer in \[1, 100000000\]; got 0$/],
    [() => normalDraws(2.5), RangeError, /^n must be an integer; got 2.5$/],
    [() => normalDraws("3" as unknown as number), TypeError, /^n must be an integer; got "3"$/],
    [() => normalDraws(3, { seed: -1 }), RangeError, /^options\.seed must be an integer in \[0, 9007199254740991\]; got -1$/],
    [() => normalDraws(3, { seed: 0.5 }), RangeError, /^options\.seed must be an integer; got 0.5$/],
    [() => normalDraws(3, { sed: 1 } as { seed?: number }), RangeError, /^options\.sed must be one of the known options \(seed\); got "sed"$/],
    [() => normalDraws(3, 7 as unknown as { seed?: number }), TypeError, /^options must be an object; got 7$/],
  ] as const)("rejects bad input: %#", (call, kind, message) => {
    expect(call).toThrow(kind);
    expect(call).toThrow(message);
  });
});

describe("the generator kernels", () => {
  /** xoshiro128** on four 32-bit words, written out plainly. */
  function reference(words: Int32Array) {
    const s = Uint32Array.from(words);
    const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
    return () => {
      const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) | 0;
      const t = (s[1] << 9) >>> 0;
      s[2] ^= s[0];
      s[3] ^= s[1];
      s[1] ^= s[2];
      s[0] ^= s[3];
      s[2] ^= t;
      s[3] = rotl(s[3], 11);
      return result;
    };
  }

  test.each(["wasm", "js"] as const)("%s: nextInt and uniform step streams 1 and 2 as xoshiro128** does, and leave stream 0 alone", async (name) => {
    const b = await getBackend(name);
    const rng = b.i32(12);
    b.kernels.seedStreams(rng.handle, 987654321, 12, 3);
    const start = Int32Array.from(rng.view);
    const next = [reference(start.subarray(4, 8)), reference(start.subarray(8, 12))];
    for (let i = 0; i < 40; i++) {
      const at = 4 + 4 * (i % 2);
      const g = next[i % 2];
      if (i % 3 === 0) expect(b.kernels.nextInt(rng.handle, at)).toBe(g());
      else expect(b.kernels.uniform(rng.handle, at)).toBe(((g() >>> 5) * 67108864 + (g() >>> 6)) * 2 ** -53);
    }
    expect(Array.from(rng.view.subarray(0, 4))).toEqual(Array.from(start.subarray(0, 4)));
  });
});
