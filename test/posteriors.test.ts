// The label-switching posterior (docs/algorithms.md §7) against an mpmath reference
// (test/fixtures/make_posteriors.py, which reads test/fixtures/faithful.csv itself): the kernel
// on both backends, bit for bit alike, and the public target built on it.
import { beforeAll, describe, expect, test } from "vitest";
import { labelSwitchingPosterior, ready } from "../src/index.js";
import { getBackend } from "../src/backend.js";
import { faithfulEruptions } from "../src/data/faithful.js";
import fixture from "./fixtures/posteriors.json" with { type: "json" };

const EPS = 2 ** -52;
const backends = ["wasm", "js"] as const;

beforeAll(async () => {
  await ready("wasm");
});

type Case = (typeof fixture.cases)[number];
const dataOf = (c: Case) => (c.options as { data?: number[] }).data ?? Array.from(faithfulEruptions);

/**
 * Worst-case bounds for sums of m + 2 terms in double (m eps times the sum of the terms'
 * magnitudes): the log density's terms all have one sign, so that sum is about |log p|; the
 * gradient's terms, r (x_i - mu) / s^2 and the prior's, cancel near a mode, so it is bounded
 * by the sum of |x_i - mu_k| / s^2 plus the prior term.
 */
function bounds(c: Case, mu: number[], lp: number): { lp: number; grad: number[] } {
  const data = dataOf(c);
  const o = c.options as { sigma?: number; priorMean?: number; priorSd?: number };
  const s = o.sigma ?? 0.4;
  const m0 = o.priorMean ?? data.reduce((a, b) => a + b, 0) / data.length;
  const tau = o.priorSd ?? 2;
  const m = data.length + 2;
  const grad = mu.map((v) => m * EPS * (data.reduce((acc, x) => acc + Math.abs(x - v), 0) / (s * s) + Math.abs(v - m0) / (tau * tau)));
  return { lp: m * EPS * Math.abs(lp), grad };
}

describe.each(fixture.cases)("label-switching posterior '$name'", (c) => {
  const points = Float64Array.from(c.points.flat());
  const n = c.points.length;
  const runKernel = async (backend: "wasm" | "js") => {
    const b = await getBackend(backend);
    const data = dataOf(c);
    const o = c.options as { sigma?: number; priorMean?: number; priorSd?: number };
    const s = o.sigma ?? 0.4;
    const m0 = o.priorMean ?? data.reduce((a, x) => a + x, 0) / data.length;
    const tau = o.priorSd ?? 2;
    const m = data.length;
    const constant = m * Math.log(0.5) - m * Math.log(s * Math.sqrt(2 * Math.PI)) - 2 * Math.log(tau * Math.sqrt(2 * Math.PI));
    const bufs = [m, 4, 2 * n, n, 2 * n].map((len) => b.f64(len));
    const [d, model, at, lp, g] = bufs;
    d.view.set(data);
    model.view.set([s, m0, tau, constant]);
    at.view.set(points);
    b.kernels.labelSwitchingLogDensity(d.handle, m, model.handle, at.handle, n, lp.handle, g.handle, 1);
    const out = { lp: lp.view.slice(), grad: g.view.slice() };
    // without the gradient: the same log densities
    b.kernels.labelSwitchingLogDensity(d.handle, m, model.handle, at.handle, n, lp.handle, g.handle, 0);
    expect(Array.from(lp.view)).toEqual(Array.from(out.lp));
    bufs.forEach((x) => b.free(x));
    return out;
  };

  test.each(backends)("kernel on %s: log density and gradient within m eps of the reference", async (backend) => {
    const { lp, grad } = await runKernel(backend);
    for (let j = 0; j < n; j++) {
      const bound = bounds(c, c.points[j], c.logDensity[j]);
      expect(Math.abs(lp[j] - c.logDensity[j])).toBeLessThanOrEqual(bound.lp);
      for (let k = 0; k < 2; k++) expect(Math.abs(grad[2 * j + k] - c.grad[j][k])).toBeLessThanOrEqual(bound.grad[k]);
    }
  });

  test("kernel: WASM and JS give the same bits", async () => {
    const [w, j] = await Promise.all(backends.map(runKernel));
    expect(Array.from(w.lp)).toEqual(Array.from(j.lp));
    expect(Array.from(w.grad)).toEqual(Array.from(j.grad));
  });

  test("labelSwitchingPosterior(options): the same values through the public target", () => {
    const t = labelSwitchingPosterior(c.options);
    const lp = t.logDensityBatch(points);
    const grad = t.gradLogDensityBatch(points);
    for (let j = 0; j < n; j++) {
      const bound = bounds(c, c.points[j], c.logDensity[j]);
      expect(Math.abs(lp[j] - c.logDensity[j])).toBeLessThanOrEqual(bound.lp);
      for (let k = 0; k < 2; k++) expect(Math.abs(grad[2 * j + k] - c.grad[j][k])).toBeLessThanOrEqual(bound.grad[k]);
    }
  });
});

test("the posterior is symmetric under swapping the labels, exactly", () => {
  const t = labelSwitchingPosterior();
  const p = Float64Array.from([2.02, 4.27, 1.5, 3, -1, 7]);
  const swapped = Float64Array.from([4.27, 2.02, 3, 1.5, 7, -1]);
  expect(Array.from(t.logDensityBatch(swapped))).toEqual(Array.from(t.logDensityBatch(p)));
  const g = t.gradLogDensityBatch(p);
  const gs = t.gradLogDensityBatch(swapped);
  for (let j = 0; j < 3; j++) {
    expect(gs[2 * j]).toBe(g[2 * j + 1]);
    expect(gs[2 * j + 1]).toBe(g[2 * j]);
  }
});

test.each([
  ["sigma zero", { sigma: 0 }, RangeError, /options\.sigma must be positive; got 0/],
  ["priorSd negative", { priorSd: -1 }, RangeError, /options\.priorSd must be positive; got -1/],
  ["data with NaN", { data: [1, Number.NaN] }, RangeError, /options\.data\[1\] must be a finite number; got NaN/],
  ["data empty", { data: [] }, RangeError, /options\.data must be non-empty/],
  ["unknown option", { sd: 1 }, RangeError, /options\.sd must be one of the known options/],
])("invalid posterior option: %s", (_, opts, type, message) => {
  expect(() => labelSwitchingPosterior(opts as never)).toThrow(type);
  expect(() => labelSwitchingPosterior(opts as never)).toThrow(message);
  expect(labelSwitchingPosterior().logDensityBatch(Float64Array.of(2, 4))[0]).toBeLessThan(0); // still usable
});
