// MFVI's options: custom targets, progress, abort, fixed bounds, and invalid options.
import { beforeAll, describe, expect, test } from "vitest";
import { customTarget, gaussianMixture, mfvi, ready } from "../src/index.js";

beforeAll(async () => {
  await ready("wasm");
});

const m = 3;
const mixture = gaussianMixture({ weights: [0.5, 0.5], means: [[-m, -m], [m, m]], covariances: [1, 1] });
/** The same density as `mixture`, as user code (evaluated in batches). */
const custom = customTarget({
  dim: 2,
  normalized: true,
  logDensity(points, out) {
    for (let j = 0; j < out.length; j++) {
      const x = points[2 * j];
      const y = points[2 * j + 1];
      const a = -((x + m) ** 2 + (y + m) ** 2) / 2;
      const b = -((x - m) ** 2 + (y - m) ** 2) / 2;
      const top = Math.max(a, b);
      out[j] = top + Math.log(Math.exp(a - top) + Math.exp(b - top)) - Math.log(4 * Math.PI);
    }
  },
});

describe.each(["wasm", "js"] as const)("on %s", (backend) => {
  test("a custom target fits like the same built-in one, and its function sees whole batches", async () => {
    let smallest = Infinity;
    const counted = customTarget({
      dim: 2,
      normalized: true,
      logDensity(p, out) {
        smallest = Math.min(smallest, out.length);
        custom.logDensityBatch(p, out);
      },
    });
    for (const quadrature of ["exact", "sampled"] as const) {
      smallest = Infinity;
      const init = { center: [m, m], scale: 2 };
      const a = await mfvi(counted, { backend, quadrature, init });
      const b = await mfvi(mixture, { backend, quadrature, init });
      expect(a.status).toBe("converged");
      expect(Math.abs(a.kl - b.kl)).toBeLessThan(1e-9);
      expect(Math.abs(a.kl - Math.log(2))).toBeLessThan(0.01);
      expect(smallest).toBeGreaterThanOrEqual(256); // never one call per point: a whole grid line at least
    }
  });

  test("onProgress sees every sweep; the trace matches", async () => {
    const seen: number[] = [];
    const a = await mfvi(mixture, { backend, onProgress: (p) => seen.push(p.kl) });
    expect(seen).toEqual(Array.from(a.trace));
  });

  test("an aborted fit returns promptly with status 'aborted'", async () => {
    const controller = new AbortController();
    controller.abort();
    const a = await mfvi(mixture, { backend, signal: controller.signal });
    expect(a.status).toBe("aborted");
    expect(a.iterations).toBe(0);
    const late = new AbortController();
    const b = await mfvi(mixture, { backend, tol: 1e-300, maxSweeps: 1e6, onProgress: (p) => p.sweep === 3 && late.abort(), signal: late.signal });
    expect(b.status).toBe("aborted");
    expect(b.iterations).toBe(3);
  });

  test("maxSweeps is reported as such", async () => {
    const a = await mfvi(mixture, { backend, maxSweeps: 1, tol: 1e-300, init: { center: 0, scale: 4 } });
    expect(a.status).toBe("maxIterations");
    expect(a.converged).toBe(false);
    expect(a.message).toMatch(/no convergence in 1 sweeps/);
  });

  test("fixed bounds keep the grid", async () => {
    const a = await mfvi(mixture, { backend, bounds: [[-10, 10], [-10, 10]], gridSize: 200 });
    const { edges, widths } = a.marginals[0];
    expect([edges[0], edges[200]]).toEqual([-10, 10]);
    for (const w of widths) expect(Math.abs(w - 0.1)).toBeLessThan(1e-12);
  });

  test("a density that is NaN is reported as diverged, not returned as NaN factors", async () => {
    const bad = customTarget({ dim: 2, logDensity: (_p, out) => out.fill(NaN) });
    const a = await mfvi(bad, { backend });
    expect(a.status).toBe("diverged");
    expect(a.message).toMatch(/NaN/);
  });
});

test.each([
  ["not a target", () => mfvi({ dim: 2 } as never), TypeError, /target must be a target made by gaussian\(\)/],
  ["unknown option", () => mfvi(mixture, { gridsize: 10 } as never), RangeError, /options\.gridsize must be one of the known options/],
  ["gridSize too small", () => mfvi(mixture, { gridSize: 4 }), RangeError, /options\.gridSize must be an integer in \[16, 65536\]; got 4/],
  ["samples fractional", () => mfvi(mixture, { samples: 10.5 }), RangeError, /options\.samples must be an integer; got 10\.5/],
  ["quadrature unknown", () => mfvi(mixture, { quadrature: "mc" as never }), RangeError, /options\.quadrature must be one of 'exact', 'sampled'; got "mc"/],
  ["exact in 4-D", () => mfvi(gaussianMixture({ weights: [1], means: [[0, 0, 0, 0]], covariances: [1] }), { quadrature: "exact" }), RangeError, /options\.quadrature must be 'sampled' when the dimension exceeds 3/],
  ["tol zero", () => mfvi(mixture, { tol: 0 }), RangeError, /options\.tol must be positive; got 0/],
  ["damping 1", () => mfvi(mixture, { damping: 1 }), RangeError, /options\.damping must be in \[0, 1\); got 1/],
  ["init scale negative", () => mfvi(mixture, { init: { center: 0, scale: -1 } }), RangeError, /options\.init\.scale must be positive; got -1/],
  ["init center wrong length", () => mfvi(mixture, { init: { center: [0], scale: 1 } }), RangeError, /options\.init\.center must be of length 2/],
  ["bounds reversed", () => mfvi(mixture, { bounds: [[1, -1], [0, 1]] }), RangeError, /options\.bounds\[0\] must be \[lo, hi\] with lo < hi; got \[1, -1\]/],
  ["seed negative", () => mfvi(mixture, { seed: -1 }), RangeError, /options\.seed must be an integer in \[0, 9007199254740991\]; got -1/],
  ["backend unknown", () => mfvi(mixture, { backend: "gpu" as never }), RangeError, /options\.backend must be one of 'wasm', 'js'; got "gpu"/],
  ["onProgress not a function", () => mfvi(mixture, { onProgress: 1 as never }), TypeError, /options\.onProgress must be a function/],
])("invalid option: %s", async (_, call, type, message) => {
  await expect(call()).rejects.toThrow(type);
  await expect(call()).rejects.toThrow(message);
  expect((await mfvi(mixture, { maxSweeps: 2 })).iterations).toBeGreaterThan(0); // still usable
});
