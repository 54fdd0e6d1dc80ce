// MFVI against the exact facts of docs/algorithms.md §6 (facts 1, 2, 3, 5), on both backends.
import { beforeAll, describe, expect, test } from "vitest";
import { componentMass, gaussian, gaussianMixture, mfvi, mfviStepper, ready, rovi, type Approximation, type GaussianMixture } from "../src/index.js";
import { getBackend, type Backend } from "../src/backend.js";
import * as P from "../src/generated/portable/index.js";
import { gridExcess, histogramEntropy, histogramGaussianKl, watchSweeps } from "./helpers.js";

const backends = ["wasm", "js"] as const;
beforeAll(async () => {
  await ready("wasm");
});

/** Component masses from 20,000 stratified draws (error well below 0.0035 at mass 1/2). */
const masses = (a: Approximation, t: GaussianMixture) => Array.from(componentMass(a, t));

const diagonal = (m: number) => gaussianMixture({ weights: [0.5, 0.5], means: [[-m, -m], [m, m]], covariances: [1, 1] });

describe.each(backends)("MFVI on %s", (backend) => {
  test("fact 1: an axis-aligned mixture is a product, so MFVI is exact", async () => {
    const w = 0.3;
    const t = gaussianMixture({ weights: [w, 1 - w], means: [[-3, 0], [3, 0]], covariances: [1, 1] });
    const a = await mfvi(t, { backend });
    expect(a.status).toBe("converged");
    expect(a.kl).toBeLessThan(0.01);
    expect(a.kl).toBeGreaterThan(-0.01);
    const m = masses(a, t);
    expect(Math.abs(m[0] - w)).toBeLessThan(0.01);
    expect(Math.abs(m[1] - (1 - w))).toBeLessThan(0.01);
  });

  test.each([
    ["lower-left", [-3, -3], 0],
    ["upper-right", [3, 3], 1],
  ] as const)("fact 2: the m = 3 diagonal mixture collapses onto the %s component its start favours", async (_, center, k) => {
    const t = diagonal(3);
    const a = await mfvi(t, { backend, init: { center, scale: 2 } });
    expect(a.status).toBe("converged");
    const m = masses(a, t);
    expect(m[k]).toBeGreaterThan(0.999);
    // kl is the histogram's: above the smooth optimum by the cells' excess (V'' = 1 on the unit component)
    const excess = gridExcess(a, [1, 1]);
    expect(Math.abs(a.kl - Math.log(2) - excess)).toBeLessThan(0.01);
    // fact 3: covering only component k costs at most log(1 / w_k)
    expect(a.kl).toBeLessThanOrEqual(Math.log(2) + excess + 1e-3);
  });

  test("fact 2: at m = 1 MFVI does not collapse", async () => {
    const t = diagonal(1);
    const a = await mfvi(t, { backend, init: { center: [1, 1], scale: 1 } });
    const m = masses(a, t);
    expect(Math.abs(m[0] - 0.5)).toBeLessThan(0.02);
  });

  test("fact 2: the minority mass falls as m grows", async () => {
    const minority = [];
    for (const m of [1, 1.5, 2, 2.5, 3]) {
      const t = diagonal(m);
      minority.push(Math.min(...masses(await mfvi(t, { backend, init: { center: [m, m], scale: 1 } }), t)));
    }
    for (let i = 1; i < minority.length; i++) expect(minority[i]).toBeLessThan(minority[i - 1]);
  });

  test("fact 3 for an unequal mixture: KL <= log(1 / w_k) of the covered component", async () => {
    const t = gaussianMixture({ weights: [0.2, 0.8], means: [[-4, -4], [4, 4]], covariances: [1, [1, 2]] });
    for (const [center, k] of [[[-4, -4], 0], [[4, 4], 1]] as const) {
      const a = await mfvi(t, { backend, init: { center, scale: 1 } });
      expect(masses(a, t)[k]).toBeGreaterThan(0.99);
      expect(a.kl).toBeLessThanOrEqual(Math.log(1 / t.components[k].weight) + gridExcess(a, k === 0 ? [1, 1] : [1, 0.5]) + 2e-3);
    }
  });

  test("fact 5: a Gaussian's MFVI factors are N(m_i, 1 / L_ii) and the KL has its closed form", async () => {
    // S with precision L = S^-1; the optimum is prod N(m_i, 1/L_ii);
    // KL = (log det S + sum_i log L_ii) / 2.
    const S = [
      [2, 0.8, 0.3],
      [0.8, 1, -0.2],
      [0.3, -0.2, 0.5],
    ];
    const mean = [1, -2, 0.5];
    const L = invert3(S);
    const klExact = (Math.log(det3(S)) + Math.log(L[0][0]) + Math.log(L[1][1]) + Math.log(L[2][2])) / 2;
    for (const quadrature of ["exact", "sampled"] as const) {
      const a = await mfvi(gaussian({ mean, covariance: S }), { backend, quadrature, gridSize: quadrature === "exact" ? 128 : 256 });
      expect(a.status).toBe("converged");
      const cov = a.covariance;
      for (let i = 0; i < 3; i++) {
        expect(Math.abs(a.mean[i] - mean[i])).toBeLessThan(0.01 * Math.sqrt(1 / L[i][i]));
        expect(Math.abs(cov[i * 3 + i] * L[i][i] - 1)).toBeLessThan(0.01);
      }
      // kl is the KL of the returned histograms, whose closed form (V is quadratic) the marginals
      // give: exact quadrature's to rounding, the sampled one within 3 standard errors
      const truth = histogramGaussianKl(a, mean, S, L);
      if (quadrature === "exact") expect(Math.abs(a.kl - truth)).toBeLessThan(1e-9);
      else expect(Math.abs(a.kl - truth)).toBeLessThan(3 * a.klError);
      // no product beats the Gaussian factors; the histograms lose their cells' O(w^2) term (to 5% of it)
      const loss = gridExcess(a, [L[0][0], L[1][1], L[2][2]]);
      expect(truth).toBeGreaterThan(klExact);
      expect(Math.abs(truth - klExact - loss)).toBeLessThan(0.05 * loss);
      if (quadrature === "exact") expect(a.klError).toBe(0);
      if (quadrature === "sampled") expect(a.klError).toBeGreaterThan(0);
    }
  });

  test("a start on grids placed for it: the start's grid spans its central 1 - 2e-9 plus 10%, and a start at the answer re-places no grid in the first sweep (one three times too wide re-places every one)", async () => {
    const [mean, sd] = [[1, -2], [Math.SQRT2, Math.SQRT1_2]];
    const t = gaussian({ mean, covariance: [sd[0] ** 2, sd[1] ** 2] }); // a product: the start N(m_i, sd_i^2) is the answer
    const start = await mfviStepper(t, { backend, init: { center: mean, scale: sd } });
    const reach = 5.997807015 * 1.2; // Phi^-1(1 - 1e-9), and the 10% margin on each side of the span
    start.current().marginals.forEach((m, i) => {
      // placed from the histogram on m_i +- 8 sd_i: its quantiles within one of its cells (16 sd / 256)
      expect(Math.abs(m.edges[0] - (mean[i] - reach * sd[i]))).toBeLessThan((16 / 256) * sd[i]);
      expect(Math.abs(m.edges[256] - (mean[i] + reach * sd[i]))).toBeLessThan((16 / 256) * sd[i]);
      const widths = m.widths;
      expect(Math.min(...widths) / Math.max(...widths)).toBeLessThan(0.5); // not uniform: the cells follow the factor
    });
    start.dispose();
    const firstSweepMoves = async (scale: number[]) => {
      const moves: number[] = [];
      const stop = watchSweeps((ws) => moves.push(ws[P.H_ADAPT]));
      try {
        expect((await mfvi(t, { backend, init: { center: mean, scale } })).status).toBe("converged");
      } finally {
        stop();
      }
      return moves[0];
    };
    expect(await firstSweepMoves(sd)).toBe(0);
    expect(await firstSweepMoves(sd.map((s) => 3 * s))).toBeGreaterThanOrEqual(2);
  });

  test("exact and sampled quadrature agree on 2-D targets (KL within 0.01)", async () => {
    for (const t of [diagonal(1), diagonal(3), gaussianMixture({ weights: [0.3, 0.7], means: [[0, 0], [2, -1]], covariances: [[[1, 0.8], [0.8, 1]], 0.5] })]) {
      const exact = await mfvi(t, { backend, quadrature: "exact", init: { center: [1, 1], scale: 2 } });
      const sampled = await mfvi(t, { backend, quadrature: "sampled", init: { center: [1, 1], scale: 2 } });
      expect(Math.abs(exact.kl - sampled.kl)).toBeLessThan(0.01);
    }
  });

  test("the same seed gives the same bits; the trace ends at the reported sweeps", async () => {
    const t = gaussianMixture({ weights: [0.4, 0.6], means: [[-1, 0, 1], [1, 1, -1]], covariances: [1, [1, 2, 0.5]] });
    const a = await mfvi(t, { backend, seed: 42 });
    const b = await mfvi(t, { backend, seed: 42 });
    expect(b.kl).toBe(a.kl);
    expect(Array.from(b.marginals[2].density)).toEqual(Array.from(a.marginals[2].density));
    expect(a.trace.length).toBe(a.iterations);
  });
});

test("WASM and JS agree bit for bit (exact and sampled, mixture and custom-free paths)", async () => {
  const t = gaussianMixture({ weights: [0.4, 0.6], means: [[-1, 0, 1], [1, 1, -1]], covariances: [[[1, 0.3, 0], [0.3, 1, 0], [0, 0, 1]], [1, 2, 0.5]] });
  for (const quadrature of ["exact", "sampled"] as const) {
    const [w, j] = await Promise.all(backends.map((backend) => mfvi(t, { backend, quadrature, seed: 7, gridSize: 64 })));
    expect(w.kl).toBe(j.kl);
    expect(Array.from(w.trace)).toEqual(Array.from(j.trace));
    for (let i = 0; i < 3; i++) expect(Array.from(w.marginals[i].mass)).toEqual(Array.from(j.marginals[i].mass));
    expect(Array.from(w.sample(100, { seed: 3 }))).toEqual(Array.from(j.sample(100, { seed: 3 })));
  }
});

function det3(a: number[][]): number {
  return (
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
  );
}

function invert3(a: number[][]): number[][] {
  const d = det3(a);
  const c = (i: number, j: number) => {
    const r = [0, 1, 2].filter((x) => x !== j);
    const s = [0, 1, 2].filter((x) => x !== i);
    return ((i + j) % 2 ? -1 : 1) * (a[r[0]][s[0]] * a[r[1]][s[1]] - a[r[0]][s[1]] * a[r[1]][s[0]]);
  };
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => c(i, j) / d));
}

const [wasm, js] = await Promise.all([getBackend("wasm"), getBackend("js")]);

/** A d = 2 workspace on G cells with factor 0 N(0, 1.5^2) and factor 1 N(1, 0.5^2), and the kernels. */
function twoFactors(backend: Backend, G: number) {
  const ws = backend.f64(P.mfviSize(2, G, 4, 0));
  const k = backend.kernels as unknown as Record<string, (...args: number[]) => number>;
  k.mfviInit(ws.handle as number, 2, G, 4, 0, 1, 0, 0, 1e-9);
  k.mfviInitFactor(ws.handle as number, 0, 0, 1.5);
  k.mfviInitFactor(ws.handle as number, 1, 1, 0.5);
  return { ws, k };
}

/** Factor i of a workspace w on n cells: its edges, masses and cumulative masses. */
const factorOf = (w: Float64Array, n: number, i: number) => ({
  x: w.slice(w[P.O_X] + i * (n + 1), w[P.O_X] + (i + 1) * (n + 1)),
  p: w.slice(w[P.O_P] + i * n, w[P.O_P] + (i + 1) * n),
  cum: w.slice(w[P.O_CUM] + i * (n + 1), w[P.O_CUM] + (i + 1) * (n + 1)),
});

/** The CDF of a histogram (edges x, masses p) at t. */
const histogramCdf = (x: Float64Array, p: ArrayLike<number>, t: number) => {
  let s = 0;
  for (let c = 0; c < p.length; c++) s += p[c] * Math.min(1, Math.max(0, (t - x[c]) / (x[c + 1] - x[c])));
  return s;
};

describe("mfviTransferFactor: a tempered stage's factors onto the final stage's finer grids", () => {
  const G0 = 64;
  const G = 256;
  /** Workspace for d = 2 on G cells; factor 0 a two-bump density on a wide grid, factor 1 N(1, 0.5^2). */
  function source(backend: Backend) {
    const { ws, k } = twoFactors(backend, G0);
    const v = ws.view;
    const x = v[P.O_X];
    const p = v[P.O_P];
    let total = 0;
    for (let c = 0; c < G0; c++) {
      const t = (v[x + c] + v[x + c + 1]) / 2;
      total += v[p + c] = (v[x + c + 1] - v[x + c]) * (0.3 * Math.exp(-((t + 3) ** 2) / 0.5) + 0.7 * Math.exp(-((t - 3) ** 2) / 0.5));
    }
    for (let c = 0; c < G0; c++) v[p + c] /= total;
    k.cumulate(ws.handle as number, p, G0, ws.handle as number, v[P.O_CUM]);
    return ws;
  }
  function transferred(backend: Backend) {
    const src = source(backend);
    const ws = backend.f64(P.mfviSize(2, G, 4, 0));
    const k = backend.kernels as unknown as Record<string, (...args: number[]) => number>;
    k.mfviInit(ws.handle as number, 2, G, 4, 0, 1, 0, 0, 1e-9);
    for (let i = 0; i < 2; i++) k.mfviTransferFactor(ws.handle as number, i, src.handle as number);
    return [0, 1].map((i) => ({ from: factorOf(src.view, G0, i), to: factorOf(ws.view, G, i) }));
  }
  test.each([0, 1])("factor %i: the source's mass on every new cell, cells holding equal shares of 1/4 uniform + 3/4 the cube-root measure, the same bits on both backends", (i) => {
    const { from, to } = transferred(wasm)[i];
    expect(transferred(js)[i]).toEqual({ from, to });
    expect(to.x.length).toBe(G + 1);
    for (let c = 0; c < G; c++) expect(to.x[c + 1]).toBeGreaterThan(to.x[c]);
    // the span: the source's central 1 - 2e-9 of the mass, 10% wider on each side
    const lo = to.x[0];
    const hi = to.x[G];
    const q = (u: number) => {
      const x = wasm.f64(G0 + 1);
      const cum = wasm.f64(G0 + 1);
      x.view.set(from.x);
      cum.view.set(from.cum);
      return (wasm.kernels as unknown as Record<string, (...args: number[]) => number>).quantile(cum.handle as number, 0, G0, x.handle as number, 0, u);
    };
    const span = Math.max(q(1 - 1e-9) - q(1e-9), (from.x[G0] - from.x[0]) / G0);
    expect(lo).toBe(q(1e-9) - 0.1 * span);
    expect(hi).toBe(q(1 - 1e-9) + 0.1 * span);
    expect(histogramCdf(from.x, from.p, lo)).toBeLessThan(1e-9);
    expect(1 - histogramCdf(from.x, from.p, hi)).toBeLessThan(1e-9);
    const inside = histogramCdf(from.x, from.p, hi) - histogramCdf(from.x, from.p, lo);
    let sum = 0;
    for (let c = 0; c < G; c++) {
      sum += to.p[c];
      expect(to.p[c]).toBeCloseTo((histogramCdf(from.x, from.p, to.x[c + 1]) - histogramCdf(from.x, from.p, to.x[c])) / inside, 14);
      expect(to.cum[c + 1]).toBeCloseTo(sum, 14);
    }
    expect(sum).toBeCloseTo(1, 14);
    // placement: nu has density (p_c / w_c)^(1/3) / Z on source cell c, restricted to [lo, hi]
    const nuCell = Array.from(from.p, (m, c) => (m > 0 ? Math.cbrt(m / (from.x[c + 1] - from.x[c])) : 0));
    const nuCdf = (t: number) => {
      let s = 0;
      for (let c = 0; c < G0; c++) s += nuCell[c] * Math.min(from.x[c + 1] - from.x[c], Math.max(0, t - from.x[c]));
      return s;
    };
    const measure = (t: number) => 0.25 * ((t - lo) / (hi - lo)) + (0.75 * (nuCdf(t) - nuCdf(lo))) / (nuCdf(hi) - nuCdf(lo));
    for (let c = 0; c < G; c++) expect(measure(to.x[c + 1]) - measure(to.x[c])).toBeCloseTo(1 / G, 9);
  });
});

describe("mfviTemperFactor: a factor raised to the power beta' / beta for the next tempering stage, on a grid placed for it", () => {
  const G = 64;
  function tempered(backend: Backend, r: number) {
    const { ws, k } = twoFactors(backend, G);
    const before = [0, 1].map((i) => factorOf(ws.view, G, i));
    for (let i = 0; i < 2; i++) k.mfviTemperFactor(ws.handle as number, i, r);
    return before.map((from, i) => ({ from, to: factorOf(ws.view, G, i) }));
  }
  /** The least t with histogramCdf(t) >= u for the histogram with edges x and masses m (summing to 1), by bisection. */
  const quantileOf = (x: Float64Array, m: number[], u: number) => {
    let [lo, hi] = [x[0], x[x.length - 1]];
    for (let n = 0; n < 200; n++) {
      const mid = (lo + hi) / 2;
      if (histogramCdf(x, m, mid) < u) lo = mid;
      else hi = mid;
    }
    return hi;
  };
  test.each([
    [0, 4],
    [1, 4],
    [0, 1.65],
    [1, 1.65],
  ])("factor %i, r = %f: each new cell holds mu^r's mass over it, the grid spans mu^r's central 1 - 2e-9 with its two outermost cells on each side beyond it, the same bits on both backends", (i, r) => {
    const { from, to } = tempered(wasm, r)[i];
    expect(tempered(js, r)[i]).toEqual({ from, to });
    for (let c = 0; c < G; c++) expect(to.x[c + 1]).toBeGreaterThan(to.x[c]);
    // mu^r: mass w (p / w)^r on each old cell, normalised
    const raw = Array.from(from.p, (m, c) => (m > 0 ? (from.x[c + 1] - from.x[c]) * (m / (from.x[c + 1] - from.x[c])) ** r : 0));
    const total = raw.reduce((a, b) => a + b, 0);
    const powered = raw.map((m) => m / total);
    const [qa, qb] = [quantileOf(from.x, powered, 1e-9), quantileOf(from.x, powered, 1 - 1e-9)];
    expect(to.x[0]).toBeLessThan(qa);
    expect(to.x[G]).toBeGreaterThan(qb);
    // the margin on 64 cells (1/6 of the span, not 10%) keeps two whole cells beyond each quantile
    expect(to.x[2]).toBeLessThan(qa);
    expect(to.x[G - 2]).toBeGreaterThan(qb);
    const inside = histogramCdf(from.x, powered, to.x[G]) - histogramCdf(from.x, powered, to.x[0]);
    let sum = 0;
    for (let c = 0; c < G; c++) {
      sum += to.p[c];
      expect(to.p[c]).toBeCloseTo((histogramCdf(from.x, powered, to.x[c + 1]) - histogramCdf(from.x, powered, to.x[c])) / inside, 13);
      expect(to.cum[c + 1]).toBeCloseTo(sum, 14);
    }
    expect(sum).toBeCloseTo(1, 14);
  });
});

describe("mfviSample: draws as mfviUniforms' uniforms through the factors' inverse CDFs, rotated (mfviSampleAt)", () => {
  const G = 64;
  const rotation = [0.6, -0.8, 0.8, 0.6];
  function draws(backend: Backend, n: number, stratified: number) {
    const { ws, k } = twoFactors(backend, G);
    ws.view.set(rotation, ws.view[P.O_ROT]);
    const [rng, y, out, u, y2, out2] = [backend.i32(4), backend.f64(2 * n), backend.f64(2 * n), backend.f64(2 * n), backend.f64(2 * n), backend.f64(2 * n)];
    k.seedStreams(rng.handle as number, 12345, 6, 1);
    k.mfviSample(ws.handle as number, rng.handle as number, n, stratified, y.handle as number, out.handle as number);
    k.seedStreams(rng.handle as number, 12345, 6, 1);
    k.mfviUniforms(2, rng.handle as number, n, stratified, u.handle as number);
    const uniforms = u.view.slice();
    k.mfviSampleAt(ws.handle as number, u.handle as number, n, y2.handle as number, out2.handle as number);
    expect(u.view).toEqual(uniforms); // read, not written
    return { ws, k, uniforms, y: y.view.slice(), out: out.view.slice(), y2: y2.view.slice(), out2: out2.view.slice() };
  }
  test.each([
    [1, 1],
    [7, 1],
    [64, 1],
    [7, 0],
    [64, 0],
  ])("n = %i, stratified = %i: the same bits either way and on both backends; each draw its uniforms' quantiles, rotated", (n, stratified) => {
    const a = draws(wasm, n, stratified);
    const b = draws(js, n, stratified);
    expect(a.y2).toEqual(a.y);
    expect(a.out2).toEqual(a.out);
    expect({ u: b.uniforms, y: b.y, out: b.out }).toEqual({ u: a.uniforms, y: a.y, out: a.out });
    const { ws, k, uniforms, y, out } = a;
    const v = ws.view;
    for (let i = 0; i < 2; i++) {
      const col = Array.from(uniforms.subarray(i * n, (i + 1) * n));
      for (const t of col) expect(t >= 0 && t < 1).toBe(true);
      // stratified: one uniform in each of the n strata [s / n, (s + 1) / n)
      if (stratified) expect(col.map((t) => Math.floor(t * n)).sort((p, q) => p - q)).toEqual(Array.from({ length: n }, (_, s) => s));
      for (let j = 0; j < n; j++) expect(y[j * 2 + i]).toBe(k.quantile(ws.handle as number, v[P.O_CUM] + i * (G + 1), G, ws.handle as number, v[P.O_X] + i * (G + 1), col[j]));
    }
    for (let j = 0; j < n; j++)
      for (let r = 0; r < 2; r++) expect(out[j * 2 + r]).toBeCloseTo(rotation[2 * r] * y[2 * j] + rotation[2 * r + 1] * y[2 * j + 1], 14);
  });
});

describe("the exact KL of a built-in mixture, summed along lines (mfviRulePotential)", () => {
  /**
   * KL(q || pi) of a fit by the tensor rule written out here: Gauss-Legendre nodes in every
   * cell with mass (3 per cell and axis for d <= 2 and G <= 128, else 2), x = O y, the target's
   * own density at every point, minus the factors' entropy.
   */
  function ruleKl(q: Approximation, t: GaussianMixture): number {
    const d = q.dim;
    const G = q.marginals[0].mass.length;
    const rule = d <= 2 && G <= 128 ? { u: [-Math.sqrt(0.6), 0, Math.sqrt(0.6)], w: [5 / 9, 8 / 9, 5 / 9] } : { u: [-1 / Math.sqrt(3), 1 / Math.sqrt(3)], w: [1, 1] };
    const axes = q.marginals.map((m) => {
      const y: number[] = [];
      const w: number[] = [];
      for (let c = 0; c < G; c++) {
        if (!(m.mass[c] > 0)) continue;
        rule.u.forEach((u, j) => {
          y.push((m.edges[c] + m.edges[c + 1]) / 2 + ((m.edges[c + 1] - m.edges[c]) / 2) * u);
          w.push((m.mass[c] * rule.w[j]) / 2);
        });
      }
      return { y, w };
    });
    const count = axes.reduce((n, a) => n * a.y.length, 1);
    const x = new Float64Array(count * d);
    const weight = new Float64Array(count);
    for (let n = 0; n < count; n++) {
      let rest = n;
      const y = new Array<number>(d);
      weight[n] = 1;
      for (let i = d - 1; i >= 0; i--) {
        const j = rest % axes[i].y.length;
        rest = Math.floor(rest / axes[i].y.length);
        y[i] = axes[i].y[j];
        weight[n] *= axes[i].w[j];
      }
      for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) x[n * d + r] += q.rotation[r * d + c] * y[c];
    }
    const logp = t.logDensityBatch(x);
    let potential = 0;
    for (let n = 0; n < count; n++) potential -= weight[n] * logp[n];
    return potential - histogramEntropy(q);
  }

  const cases = [
    ["1-D, 3 components", gaussianMixture({ weights: [0.2, 0.5, 0.3], means: [[-4], [0], [3]], covariances: [0.5, 1, 2] }), { gridSize: 96 }],
    ["2-D, RoVI's rotated frame", gaussianMixture({ weights: [0.3, 0.7], means: [[-3, -3], [3, 3]], covariances: [1, [[1, 0.3], [0.3, 0.6]]] }), {}],
    ["3-D, full covariances", gaussianMixture({ weights: [0.4, 0.6], means: [[-2, 0, 1], [2, 1, -1]], covariances: [[[1, 0.2, 0], [0.2, 1, 0.3], [0, 0.3, 0.8]], [2, 1, 0.5]] }), { gridSize: 40 }],
  ] as const;
  test.each(cases)("%s: the KL a fit reports is the rule's sum with the target's own density (to 1e-12), the same bits on both backends", async (_, t, o) => {
    const fits = await Promise.all(backends.map((backend) => rovi(t, { backend, quadrature: "exact", ...o })));
    expect(fits[1].kl).toBe(fits[0].kl);
    expect(fits[0].klError).toBe(0);
    const truth = ruleKl(fits[0], t);
    expect(Math.abs(fits[0].kl - truth)).toBeLessThan(1e-12 * Math.max(1, Math.abs(truth)));
    expect(fits[0].kl).toBeGreaterThan(0);
  });
});
