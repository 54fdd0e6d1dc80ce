// Bad inputs at the boundary: each gives the documented error class and a message naming the
// argument and the rule; the library keeps working afterwards.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { customTarget, gaussian, gaussianMixture, ready } from "../src/index.js";

await ready("wasm");

const ok = { weights: [0.5, 0.5], means: [[0, 0], [1, 1]], covariances: [1, 1] };
const asymmetric = [[2, 0.5], [0.4, 2]];
const indefinite = [[1, 2], [2, 1]];
const singular = [[1, 1], [1, 1]];

type Case = [string, () => unknown, ErrorConstructor, RegExp];
const cases: Case[] = [
  ["spec not an object", () => gaussianMixture(42 as never), TypeError, /gaussianMixture\(spec\) must be an object; got 42/],
  ["unknown option", () => gaussianMixture({ ...ok, weight: [1] } as never), RangeError, /spec\.weight must be one of the known options/],
  ["weights missing", () => gaussianMixture({ ...ok, weights: undefined } as never), TypeError, /weights must be an array/],
  ["weights empty", () => gaussianMixture({ ...ok, weights: [] }), RangeError, /weights must be non-empty/],
  ["weight negative", () => gaussianMixture({ ...ok, weights: [1.5, -0.5] }), RangeError, /weights\[1\] must be positive; got -0\.5/],
  ["weight zero", () => gaussianMixture({ ...ok, weights: [1, 0] }), RangeError, /weights\[1\] must be positive; got 0/],
  ["weights not summing to 1", () => gaussianMixture({ ...ok, weights: [0.5, 0.6] }), RangeError, /weights must be summing to 1 \(within 1e-9\); got a sum of 1\.1/],
  ["weight NaN", () => gaussianMixture({ ...ok, weights: [NaN, 0.5] }), RangeError, /weights\[0\] must be a finite number; got NaN/],
  ["weight a string", () => gaussianMixture({ ...ok, weights: ["0.5", 0.5] as never }), TypeError, /weights\[0\] must be a number; got "0\.5"/],
  ["means wrong count", () => gaussianMixture({ ...ok, means: [[0, 0]] }), RangeError, /means must be 2 rows, one per weight/],
  ["means ragged", () => gaussianMixture({ ...ok, means: [[0, 0], [1]] }), RangeError, /means\[1\] must be of length 2 like row 0/],
  ["mean Infinity", () => gaussianMixture({ ...ok, means: [[0, Infinity], [1, 1]] }), RangeError, /means\[0\]\[1\] must be a finite number; got Infinity/],
  ["flat means wrong length", () => gaussianMixture({ ...ok, means: new Float64Array(3) }), RangeError, /means\.length must be a multiple of the number of weights \(2\); got 3/],
  ["covariances wrong count", () => gaussianMixture({ ...ok, covariances: [1] }), RangeError, /covariances must be 2 entries, one per weight/],
  ["covariances not an array", () => gaussianMixture({ ...ok, covariances: 1 as never }), TypeError, /covariances must be an array/],
  ["variance zero", () => gaussianMixture({ ...ok, covariances: [0, 1] }), RangeError, /covariances\[0\] must be a positive variance; got 0/],
  ["variance vector negative", () => gaussianMixture({ ...ok, covariances: [1, [1, -2]] }), RangeError, /covariances\[1\]\[1\] must be a positive variance; got -2/],
  ["matrix wrong size", () => gaussianMixture({ ...ok, covariances: [1, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]] }), RangeError, /covariances\[1\] must be a matrix with 2 rows/],
  ["flat matrix wrong length", () => gaussianMixture({ ...ok, covariances: [1, new Float64Array(5)] }), RangeError, /covariances\[1\]\.length must be 2 \(variances\) or 4/],
  ["matrix asymmetric", () => gaussianMixture({ ...ok, covariances: [1, asymmetric] }), RangeError, /covariances\[1\] must be symmetric \(within 1e-12 relative\); got \[1\]\[0\] = 0\.4 but \[0\]\[1\] = 0\.5/],
  ["matrix indefinite", () => gaussianMixture({ ...ok, covariances: [indefinite, 1] }), RangeError, /covariances\[0\] must be symmetric positive definite; got a matrix whose Cholesky factorisation fails/],
  ["matrix singular", () => gaussianMixture({ ...ok, covariances: [1, singular] }), RangeError, /covariances\[1\] must be symmetric positive definite/],
  ["matrix NaN entry", () => gaussianMixture({ ...ok, covariances: [1, [[1, NaN], [NaN, 1]]] }), RangeError, /covariances\[1\]\[0\]\[1\] must be a finite number; got NaN/],
  ["matrix negative diagonal", () => gaussianMixture({ ...ok, covariances: [1, [[-1, 0], [0, 1]]] }), RangeError, /covariances\[1\]\[0\]\[0\] must be positive \(a variance\); got -1/],
  ["backend unknown", () => gaussianMixture({ ...ok, backend: "gpu" as never }), RangeError, /backend must be one of 'wasm', 'js'; got "gpu"/],
  ["gaussian mean missing", () => gaussian({ covariance: 1 } as never), TypeError, /mean must be an array of numbers/],
  ["gaussian covariance a string", () => gaussian({ mean: [0], covariance: "1" as never }), TypeError, /covariance must be a number, d variances or a d x d matrix; got "1"/],
  ["point wrong length", () => gaussian({ mean: [0, 0], covariance: 1 }).logDensity([1]), RangeError, /x must be of length 2/],
  ["point NaN", () => gaussian({ mean: [0, 0], covariance: 1 }).logDensity([1, NaN]), RangeError, /x\[1\] must be a finite number; got NaN/],
  ["batch not a Float64Array", () => gaussian({ mean: [0], covariance: 1 }).logDensityBatch([1, 2] as never), TypeError, /points must be a Float64Array/],
  ["batch length not a multiple of d", () => gaussian({ mean: [0, 0], covariance: 1 }).logDensityBatch(new Float64Array(3)), RangeError, /points\.length must be a positive multiple of the dimension 2; got 3/],
  ["batch non-finite", () => gaussian({ mean: [0], covariance: 1 }).logDensityBatch(Float64Array.of(0, -Infinity)), RangeError, /points\[1\] must be finite; got -Infinity/],
  ["out wrong length", () => gaussian({ mean: [0], covariance: 1 }).logDensityBatch(Float64Array.of(0, 1), new Float64Array(3)), RangeError, /out\.length must be 2; got 3/],
  ["custom dim zero", () => customTarget({ dim: 0, logDensity: () => {} }), RangeError, /dim must be an integer in \[1, 100000\]; got 0/],
  ["custom dim fractional", () => customTarget({ dim: 1.5, logDensity: () => {} }), RangeError, /dim must be an integer; got 1\.5/],
  ["custom logDensity missing", () => customTarget({ dim: 2 } as never), TypeError, /logDensity must be a function/],
  ["custom gradient not a function", () => customTarget({ dim: 2, logDensity: () => {}, gradLogDensity: 3 as never }), TypeError, /gradLogDensity must be a function/],
];

describe("bad inputs give clear errors", () => {
  test.each(cases)("%s", (_, call, type, message) => {
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    // the library is still usable after the error
    expect(gaussianMixture(ok).logDensity([0.5, 0.5])).toBeCloseTo(Math.log(1 / (2 * Math.PI)) - 0.25, 14);
  });
  test("at least 25 cases", () => expect(cases.length).toBeGreaterThanOrEqual(25));
});

describe.each(["wasm", "js"] as const)("a batch's non-finite entries (%s: the mixture checks its copy in the kernel)", (backend) => {
  const t = gaussian({ mean: [0, 0], covariance: 1, backend });
  const special = fc.constantFrom(NaN, Infinity, -Infinity);
  // finite rows, with NaN or an infinity dropped in at some places (the check sums x * 0 in four
  // chains, so the places fall in every chain and in the tail)
  const batch = fc
    .tuple(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 23 }), fc.array(fc.tuple(fc.nat(), special), { maxLength: 3 }))
    .map(([row, spoil]) => {
      const x = Float64Array.from(row.length % 2 ? [...row, -0] : row);
      for (const [at, v] of spoil) x[at % x.length] = v;
      return x;
    });
  test("the error names the first of them; finite batches pass", () => {
    fc.assert(
      fc.property(batch, (x) => {
        const first = x.findIndex((v) => !Number.isFinite(v));
        if (first < 0) {
          expect(t.logDensityBatch(x)).toHaveLength(x.length / 2);
          expect(t.gradLogDensityBatch(x)).toHaveLength(x.length);
          expect(t.responsibilities(x)).toHaveLength(x.length / 2);
        } else {
          const error = new RangeError(`points[${first}] must be finite; got ${x[first]}`);
          expect(() => t.logDensityBatch(x)).toThrow(error);
          expect(() => t.gradLogDensityBatch(x)).toThrow(error);
          expect(() => t.responsibilities(x)).toThrow(error);
        }
      }),
      { seed: 3, numRuns: 300 },
    );
  });
});
