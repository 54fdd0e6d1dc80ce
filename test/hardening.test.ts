// Issue 15, item 7: inputs the library used to take unchecked, each now rejected with a message
// naming the argument, the rule and the value; and extreme but valid inputs (entries near
// 1e308 or 1e-200) that used to overflow. Reference values: test/fixtures/hardening.json,
// written by test/fixtures/make_hardening.py (mpmath).
import { beforeAll, describe, expect, test } from "vitest";
import { componentMass, customTarget, gaussian, gaussianMfvi, gaussianMfviStepper, gaussianMixture, lmc, marginalCdf, marginalW1, mfvi, mfviStepper, nearestOrthogonal, principalAxes, ready, rovi, svd, type Approximation } from "../src/index.js";
import { parseRoviOptions } from "../src/rovi-options.js";
import reference from "./fixtures/hardening.json" with { type: "json" };
import { expectRejection, orthogonalityError } from "./helpers.js";

const backends = ["wasm", "js"] as const;
const mixture = gaussianMixture({ weights: [0.5, 0.5], means: [[-2, 0], [2, 0]], covariances: [1, 1] });

/** The error `call` throws (synchronously). */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (e) {
    return e;
  }
  return null;
}

function expectThrow(call: () => unknown, kind: ErrorConstructor, message: RegExp): void {
  const error = thrown(call);
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toMatch(message);
}

beforeAll(async () => {
  await ready("wasm");
});

describe("marginalCdf checks its arguments", () => {
  test("a mixture", () => expectThrow(() => marginalCdf(null as never, [1, 0]), TypeError, /^mixture must be a Gaussian mixture .*; got null$/));
  test("a finite direction", () => expectThrow(() => marginalCdf(mixture, [NaN, 0]), RangeError, /^direction\[0\] must be a finite number; got NaN$/));
  test("of the mixture's dimension", () => expectThrow(() => marginalCdf(mixture, [1]), RangeError, /^direction must be of length 2; got an array of length 1$/));
  test("non-zero", () => expectThrow(() => marginalCdf(mixture, [0, 0]), RangeError, /^direction must be a non-zero vector; got an array of length 2$/));
  test("t a number", () => {
    expectThrow(() => marginalCdf(mixture, [1, 0])(NaN), TypeError, /^t must be a number \(not NaN\); got NaN$/);
    expectThrow(() => marginalCdf(mixture, [1, 0])("1" as never), TypeError, /^t must be a number \(not NaN\); got "1"$/);
  });
  test("the direction is normalised: N(1, 4) along (2, 0) is Phi((t - 1) / 2)", () => {
    const cdf = marginalCdf(gaussian({ mean: [1, 5], covariance: [4, 9] }), [2, 0]);
    expect(cdf(3)).toBeCloseTo(reference.cdfAt3, 15);
    expect(cdf(0)).toBeCloseTo(reference.cdfAt0, 15);
    expect([cdf(-Infinity), cdf(Infinity)]).toEqual([0, 1]);
  });
});

describe.each(backends)("backend %s", (backend) => {
  let q: Approximation;
  beforeAll(async () => {
    q = await mfvi(mixture, { backend, gridSize: 32, maxSweeps: 5 });
  });

  test("marginalW1 checks its options along a factor axis too", () => {
    expectThrow(() => marginalW1(q, mixture, [1, 0], { bogus: 1 } as never), RangeError, /^options\.bogus must be one of the known options \(samples, seed\); got "bogus"$/);
    expectThrow(() => marginalW1(q, mixture, [1, 0], { samples: -1 }), RangeError, /^options\.samples must be an integer in \[1, \d+\]; got -1$/);
    expectThrow(() => marginalW1(q, mixture, [1, 0], { seed: null } as never), TypeError, /^options\.seed must be an integer; got null$/);
  });

  test("marginalW1 and componentMass reject non-finite samples", () => {
    const x = Float64Array.of(0, 1, NaN, 2);
    expectThrow(() => marginalW1(x, mixture, [1, 0]), RangeError, /^samples\[2\] must be finite; got NaN$/);
    expectThrow(() => componentMass(x, mixture), RangeError, /^samples\[2\] must be finite; got NaN$/);
  });

  test("sample checks stratified and seed, and caps n x dim", () => {
    expectThrow(() => q.sample(5, { stratified: "yes" as never }), TypeError, /^options\.stratified must be a boolean; got "yes"$/);
    expectThrow(() => q.sample(5, { seed: null as never }), TypeError, /^options\.seed must be an integer; got null$/);
    expectThrow(() => q.sample(2 ** 26), RangeError, /^n must be an integer in \[1, 33554432\]; got 67108864$/);
  });

  test("Approximation.logDensity rejects non-finite points (a target would too)", () => {
    expectThrow(() => q.logDensity(Float64Array.of(0, NaN)), RangeError, /^points\[1\] must be finite; got NaN$/);
    expectThrow(() => q.logDensity([0, 0] as never), TypeError, /^points must be a Float64Array \(row-major points\); got an array of length 2$/);
  });

  test.each([
    ["mfvi", (o: object) => mfvi(mixture, { backend, maxSweeps: 2, gridSize: 16, ...o })],
    ["rovi", (o: object) => rovi(mixture, { backend, maxSweeps: 2, gridSize: 16, temper: false, ...o })],
    ["lmc", (o: object) => lmc(mixture, { backend, step: 0.1, steps: 5, chains: 2, ...o })],
    ["gaussianMfvi", (o: object) => gaussianMfvi(mixture, { backend, iterations: 5, ...o })],
  ])("%s: seed null, a fake signal, a typed array of options", async (_, fit) => {
    await expectRejection(fit({ seed: null }), TypeError, /^options\.seed must be an integer; got null$/);
    await expectRejection(fit({ signal: { aborted: "no" } }), TypeError, /^options\.signal must be an AbortSignal; got an object$/);
    await expectRejection(fit({ onProgress: "no" }), TypeError, /^options\.onProgress must be a function; got "no"$/);
    await expectRejection(fit({ backend: 1n }), TypeError, /^options\.backend must be one of 'wasm', 'js'; got 1n$/);
  });

  test("rovi's temper: betas with from or stages, and null", async () => {
    const fit = (temper: unknown) => rovi(mixture, { backend, maxSweeps: 2, gridSize: 16, temper: temper as never });
    await expectRejection(fit({ betas: [0.5, 1], from: 0.1 }), RangeError, /^options\.temper\.from must be absent when options\.temper\.betas is given; got 0\.1$/);
    await expectRejection(fit({ betas: [0.5, 1], stages: 3 }), RangeError, /^options\.temper\.stages must be absent when options\.temper\.betas is given; got 3$/);
    await expectRejection(fit(null), TypeError, /^options\.temper must be a boolean or a schedule .*; got null$/);
    await expectRejection(mfvi(mixture, new Float64Array(0) as never), TypeError, /^options must be an object; got a Float64Array of length 0$/);
  });

  test("principalAxes checks its options", async () => {
    const draws = Float64Array.of(1, 0, -1, 0, 0, 0.5, 0, -0.5);
    await expectRejection(principalAxes(draws, 2, null as never), TypeError, /^options must be an object; got null$/);
    await expectRejection(principalAxes(draws, 2, { bogus: 1 } as never), RangeError, /^options\.bogus must be one of the known options \(backend\); got "bogus"$/);
    await expectRejection(principalAxes(draws, 2, { backend: "gpu" as never }), RangeError, /^options\.backend must be one of 'wasm', 'js'; got "gpu"$/);
    await expectRejection(principalAxes(draws, 2000), RangeError, /^dim must be an integer in \[1, 1024\]; got 2000$/);
  });

  test.each([1e200, 1e-200, 1])("principalAxes of draws of size %s: orthogonal, along (1, 1) / sqrt 2", async (size) => {
    // (a + b, a - b) for a = +-3, b = +-1: spread 3 along (1, 1), 1 along (1, -1), exactly
    const draws = Float64Array.from([3, 1, 3, -1, -3, 1, -3, -1].flatMap((v, i, all) => (i % 2 ? [] : [size * (v + all[i + 1]), size * (v - all[i + 1])])));
    const O = await principalAxes(draws, 2, { backend });
    expect(orthogonalityError(O, 2)).toBeLessThan(1e-14);
    expect(Math.abs(O[0] + O[2]) / Math.SQRT2).toBeCloseTo(1, 12); // first column (O[0], O[2]) = +-(1, 1) / sqrt 2
    expect(O).toEqual(await principalAxes(draws, 2, { backend: "js" }));
  });

  test("svd: entries near the largest double keep their rank and singular values", async () => {
    const a = 1e308;
    const r = await svd([[a, a], [a, -a]], { backend });
    expect(r.rank).toBe(2);
    for (const s of r.S) expect(Math.abs(s - reference.svdHuge) / reference.svdHuge).toBeLessThan(4e-16);
    expect(orthogonalityError(r.U, 2)).toBeLessThan(1e-15);
    const tiny = await svd([[1e-300, 0], [0, 2e-300]], { backend });
    expect(tiny.rank).toBe(2);
    expect(Math.abs(tiny.S[0] - 2e-300) / 2e-300).toBeLessThan(4e-16);
    expect(Math.abs(tiny.S[1] - 1e-300) / 1e-300).toBeLessThan(4e-16);
  });

  test("nearestOrthogonal of diag(1e308) is the identity, unique", async () => {
    const r = await nearestOrthogonal([[1e308, 0], [0, 1e308]], { backend });
    expect(r.unique).toBe(true);
    expect(Array.from(r.Q)).toEqual([1, 0, 0, 1]);
  });

  test("svd's size is capped up front", async () => {
    await expectRejection(svd(new Float64Array(1025 * 1025), { backend, rows: 1025 }), RangeError, /^matrix must be at most 1073741824 in rows x cols x min\(rows, cols\) \(1024 x 1024\); got a 1025 x 1025 matrix$/);
    await expectRejection(svd([[1, 2]], { backend, cols: 2 ** 31 }), RangeError, /^options\.cols must be an integer in \[1, 134217728\]; got 2147483648$/);
  });

  test("work caps on the dimension, checked before any work (mfvi failed untyped from about 11,000, JS hung at 20,000)", async () => {
    const wide = (dim: number) => customTarget({ dim, logDensity: (_, out) => out.fill(0), gradLogDensity: (_, g) => g.fill(0) });
    const capped = /^target\.dim must be at most 2048 for a variational fit \(its result holds a dim x dim matrix\); got 20000$/;
    await expectRejection(mfvi(wide(20_000), { backend }), RangeError, capped);
    await expectRejection(gaussianMfvi(wide(20_000), { backend }), RangeError, capped);
    await expectRejection(rovi(wide(20_000), { backend }), RangeError, capped);
    await expectRejection(rovi(wide(513), { backend }), RangeError, /^target\.dim must be at most 512 for rovi \(its rotation step takes the SVD of a dim x dim matrix\); got 513$/);
    await expectRejection(rovi(wide(100), { backend, rotationSamples: 671_089 }), RangeError, /^options\.rotationSamples must be at most 671088 in dimension 100 \(rotationSamples x dim <= 2\^26 numbers per buffer of draws\); got 671089$/);
    // rovi's own parser holds its caps, beside its other checks
    expectThrow(() => parseRoviOptions(wide(513), {}), RangeError, /^target\.dim must be at most 512 for rovi /);
    expectThrow(() => parseRoviOptions(wide(100), { rotationSamples: 671_089 }), RangeError, /^options\.rotationSamples must be at most 671088 in dimension 100 /);
    expectThrow(() => parseRoviOptions(wide(100), { temper: { rotationSamples: 671_089 } }), RangeError, /^options\.temper\.rotationSamples must be at most 671088 in dimension 100 \(temper\.rotationSamples x dim <= 2\^26 numbers per buffer of draws\); got 671089$/);
    // Langevin holds chains x dim numbers only: 20,000 coordinates run
    expect((await lmc(wide(20_000), { backend, step: 0.1, steps: 2, chains: 2 })).status).toBe("completed");
  });

  test("work caps on exact quadrature (gridSize^d cells) and on a custom target's batch", async () => {
    const t3 = gaussian({ mean: [0, 0, 0], covariance: 1 });
    for (const gridSize of [257, 2048, 16384, 65536])
      await expectRejection(mfvi(t3, { backend, quadrature: "exact", gridSize }), RangeError, new RegExp(`^options\\.gridSize must be at most 256 for exact quadrature in 3-D \\(gridSize\\^3 <= 2\\^24 cells per sweep\\); got ${gridSize}$`));
    // at the caps a fit starts (a stepper: no sweep run)
    for (const [t, gridSize] of [[t3, 256], [mixture, 4096]] as const) (await mfviStepper(t, { backend, quadrature: "exact", gridSize })).dispose();
    await expectRejection(mfvi(mixture, { backend, gridSize: 4097 }), RangeError, /^options\.gridSize must be at most 4096 for exact quadrature in 2-D \(gridSize\^2 <= 2\^24 cells per sweep\); got 4097$/);
    const custom = customTarget({ dim: 3, logDensity: (p, out) => out.fill(0) });
    await expectRejection(mfvi(custom, { backend, quadrature: "exact", gridSize: 162 }), RangeError, /^options\.gridSize must be at most 161 for exact quadrature in 3-D of a custom target \(gridSize\^3 <= 2\^22 cells per sweep\); got 162$/);
    // a custom target's batches hold whole lines of points: gridSize x dim <= 2^26, not the samples
    const wide = customTarget({ dim: 1025, logDensity: (p, out) => out.fill(0) });
    await expectRejection(mfvi(wide, { backend, gridSize: 65473 }), RangeError, /^options\.gridSize must be at most 65472 for a 1025-D custom target \(gridSize x dim <= 2\^26 coordinates: a sample's line of points, the least batch of logDensity\); got 65473$/);
    (await mfviStepper(custom, { backend, gridSize: 65536, samples: 342 })).dispose();
  });

  test("gaussianMfvi checks its grids' caps up front, with mfvi's messages (it did after the whole Adam run)", async () => {
    await expectRejection(gaussianMfviStepper(mixture, { backend, gridSize: 4097 }), RangeError, /^options\.gridSize must be at most 4096 for exact quadrature in 2-D \(gridSize\^2 <= 2\^24 cells per sweep\); got 4097$/);
    let calls = 0;
    const custom = customTarget({ dim: 2, logDensity: (p, out) => void calls++, gradLogDensity: (p, g) => void calls++ });
    await expectRejection(gaussianMfvi(custom, { backend, gridSize: 2049 }), RangeError, /^options\.gridSize must be at most 2048 for exact quadrature in 2-D of a custom target \(gridSize\^2 <= 2\^22 cells per sweep\); got 2049$/);
    expect(calls).toBe(0);
    await expectRejection(gaussianMfviStepper(mixture, { backend, gridSize: 8 }), RangeError, /^options\.gridSize must be an integer in \[16, 65536\]; got 8$/);
    // not mfvi's cap on a custom target's sweep batch (samples x gridSize x dim), which names
    // an option gaussianMfvi does not take: its grids never sweep
    const wide = customTarget({ dim: 16, logDensity: (p, out) => out.fill(0), gradLogDensity: (p, g) => g.fill(0) });
    (await gaussianMfviStepper(wide, { backend, gridSize: 65536 })).dispose();
  });

  test("a target's dispose() frees its WASM copies and leaves it usable, same bits", () => {
    const t = gaussianMixture({ weights: [0.3, 0.7], means: [[0, 1], [2, -1]], covariances: [1, [2, 0.5]], backend });
    const x = Float64Array.of(0.1, 0.2, 3, -4);
    const before = t.gradLogDensityBatch(x);
    t.dispose();
    expect(t.gradLogDensityBatch(x)).toEqual(before);
    t.dispose();
    t.dispose();
    expect(t.logDensityBatch(x)).toEqual(gaussianMixture({ weights: [0.3, 0.7], means: [[0, 1], [2, -1]], covariances: [1, [2, 0.5]], backend: "js" }).logDensityBatch(x));
  });
});

test("ready and targets reject a BigInt backend with a message (it used to fail to serialise)", async () => {
  await expectRejection(ready(1n as never), TypeError, /^backend must be one of 'wasm', 'js'; got 1n$/);
  expectThrow(() => gaussian({ mean: [0], covariance: 1, backend: 1n as never }), TypeError, /^backend must be one of 'wasm', 'js'; got 1n$/);
});
