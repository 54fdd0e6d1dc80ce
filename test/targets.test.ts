// Mixture log densities and gradients against an mpmath reference (test/fixtures/make_mixtures.py),
// on both backends, and the two backends bit for bit.
import { beforeAll, describe, expect, test } from "vitest";
import { gaussian, gaussianMixture, ready, type GaussianMixture } from "../src/index.js";
import cases from "./fixtures/mixtures.json" with { type: "json" };

const EPS = 2 ** -52;
const backends = ["wasm", "js"] as const;

beforeAll(async () => {
  await ready("wasm");
});

/**
 * Tolerance for a result whose computation has the given scale (the sum of the magnitudes of the
 * terms it adds). Well-conditioned covariances: 1e-13 of that scale. Near-singular ones: the
 * solve loses up to cond(S) eps relative, so the bound is 8 cond eps of the scale.
 */
function tolerance(condition: number, scale: number): number {
  return Math.max(1e-13, 8 * condition * EPS) * scale;
}

function build(c: (typeof cases)[number], backend: "wasm" | "js"): GaussianMixture {
  return gaussianMixture({
    weights: c.weights,
    means: c.means,
    covariances: c.covariances as never,
    backend,
  });
}

describe.each(cases)("mixture $name (cond $condition)", (c) => {
  const points = Float64Array.from(c.points.flat());
  const n = c.points.length;
  const results = {} as Record<string, { logp: Float64Array; grad: Float64Array; single: number[] }>;

  test.each(backends)("%s: log density and gradient match the mpmath reference", (backend) => {
    const target = build(c, backend);
    expect(target.dim).toBe(c.d);
    const logp = target.logDensityBatch(points);
    const grad = target.gradLogDensityBatch(points);
    let worst = 0;
    for (let j = 0; j < n; j++) {
      const e = c.expected[j];
      const tol = tolerance(c.condition, e.scale);
      const err = Math.abs(logp[j] - e.logDensity);
      worst = Math.max(worst, err / e.scale);
      expect(err, `point ${j}: ${logp[j]} vs ${e.logDensity}`).toBeLessThanOrEqual(tol);
      const gtol = tolerance(c.condition, e.gradScale);
      for (let i = 0; i < c.d; i++) {
        expect(Math.abs(grad[j * c.d + i] - e.grad[i]), `grad ${j},${i}`).toBeLessThanOrEqual(gtol);
      }
    }
    if (backend === "wasm") console.log(`${c.name}: worst |error| / scale ${worst.toExponential(2)}`);
    results[backend] = { logp, grad, single: c.points.map((x) => target.logDensity(x)) };
    // single-point calls agree with the batch bit for bit
    expect(results[backend].single).toEqual(Array.from(logp));
  });

  test("WASM and JS are bit-identical", () => {
    expect(Array.from(results.wasm.logp)).toEqual(Array.from(results.js.logp));
    expect(Array.from(results.wasm.grad)).toEqual(Array.from(results.js.grad));
  });
});

test("far tails stay finite (no underflow to -Infinity)", () => {
  const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1], backend: "js" });
  const lp = t.logDensity([1e3, -1e3]);
  // exact: both components are at the same squared distance up to the means' offset
  const q0 = (1e3 + 3) ** 2 + (-1e3 + 3) ** 2;
  const q1 = (1e3 - 3) ** 2 + (-1e3 - 3) ** 2;
  expect(q0).toBe(q1);
  expect(lp).toBeCloseTo(-q0 / 2 - Math.log(2 * Math.PI), 9);
  expect(lp).toBeLessThan(-1e4);
});

test("a Gaussian's gradient is -S^-1 (x - m) exactly for a diagonal S", () => {
  for (const backend of backends) {
    const t = gaussian({ mean: [1, -2, 0.5], covariance: [4, 0.25, 1], backend });
    expect(Array.from(t.gradLogDensity([3, -1, 0.5]))).toEqual([-0.5, -4, 0]);
  }
});

test("a covariance given as matrix, variances or number means the same target", () => {
  const means = [[0, 1], [2, -1]];
  const a = gaussianMixture({ weights: [0.3, 0.7], means, covariances: [[[2, 0], [0, 2]], [[1, 0], [0, 3]]] });
  const b = gaussianMixture({ weights: [0.3, 0.7], means, covariances: [2, [1, 3]] });
  const c = gaussianMixture({ weights: [0.3, 0.7], means: Float64Array.from([0, 1, 2, -1]), covariances: [Float64Array.from([2, 0, 0, 2]), [1, 3]] });
  const x = Float64Array.from([0.3, 0.1, -2, 4, 1, 1]);
  expect(Array.from(b.logDensityBatch(x))).toEqual(Array.from(a.logDensityBatch(x)));
  expect(Array.from(c.logDensityBatch(x))).toEqual(Array.from(a.logDensityBatch(x)));
});
