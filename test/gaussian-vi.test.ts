// Full-rank Gaussian VI against truths: on a Gaussian target the optimum is the target (KL 0,
// by the closed form of KL between Gaussians); on Figure-1's mixture the optima computed
// independently by test/fixtures/make_fullrank.py, and Stan's measured minority masses (an
// independent implementation); its ELBO beats mean field's on a correlated Gaussian;
// reproducibility across seeds, backends, routes and stepping; argument validation.
import { beforeAll, describe, expect, test } from "vitest";
import { componentMass, customTarget, gaussian, gaussianMfvi, gaussianMixture, gaussianVi, gaussianViStepper, ready, type GaussianApproximation } from "../src/index.js";
import reference from "./fixtures/fullrank.json" with { type: "json" };
import { expectRejection } from "./helpers.js";

const backends = ["wasm", "js"] as const;
beforeAll(async () => {
  await ready("wasm");
});

const S = [
  [2, 0.9],
  [0.9, 1],
];
const mean = [1, -1];
const detS = S[0][0] * S[1][1] - S[0][1] * S[1][0];
const precision = [
  [S[1][1] / detS, -S[0][1] / detS],
  [-S[1][0] / detS, S[0][0] / detS],
];

/** KL(N(m_q, C_q) || N(mean, S)) = (tr(S^-1 C_q) + (m_q - mean)^T S^-1 (m_q - mean) - d + log(det S / det C_q)) / 2. */
function klToTarget(q: GaussianApproximation): number {
  const m = q.mean;
  const C = q.covariance;
  let trace = 0;
  let quad = 0;
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 2; j++) {
      trace += precision[i][j] * C[j * 2 + i];
      quad += (m[i] - mean[i]) * precision[i][j] * (m[j] - mean[j]);
    }
  return 0.5 * (trace + quad - 2 + Math.log(detS / (C[0] * C[3] - C[1] * C[2])));
}

const figure1 = (m: number) => gaussianMixture({ weights: [0.5, 0.5], means: [[-m, -m], [m, m]], covariances: [1, 1] });
const minority = (q: GaussianApproximation, m: number, samples = 20_000) => Math.min(...componentMass(q, figure1(m), { samples }));
const bits = (a: ArrayLike<number>) => Array.from(a, (v) => (Object.is(v, -0) ? "-0" : String(v)));
const fitBits = (q: GaussianApproximation) => ({ kl: String(q.kl), klError: String(q.klError), status: q.status, iterations: q.iterations, mean: bits(q.mean), cholesky: bits(q.cholesky), trace: bits(q.trace) });

describe.each(backends)("gaussianVi on %s", (backend) => {
  // Measured over 20 seeds at the defaults: closed-form KL at most 0.001, |kl - closed form| at
  // most 2.1 klError, klError at most 4.2e-4.
  test("on a Gaussian with a full covariance it recovers mean and covariance: closed-form KL < 0.003, the estimate within 4 errors of it", async () => {
    const q = await gaussianVi(gaussian({ mean, covariance: S }), { backend, seed: 3 });
    expect(q.method).toBe("gaussianVi");
    expect(q.status).toBe("converged");
    expect(q.trace.length).toBe(q.iterations);
    const exact = klToTarget(q);
    expect(exact).toBeGreaterThanOrEqual(0);
    expect(exact).toBeLessThan(0.003);
    expect(Math.abs(q.kl - exact)).toBeLessThan(4 * q.klError);
    expect(q.klError).toBeGreaterThan(0);
    const C = q.covariance;
    for (let i = 0; i < 2; i++) {
      expect(Math.abs(q.mean[i] - mean[i]) * Math.sqrt(precision[i][i])).toBeLessThan(0.1);
      for (let j = 0; j < 2; j++) expect(Math.abs(C[i * 2 + j] - S[i][j])).toBeLessThan(0.1 * Math.sqrt(S[i][i] * S[j][j]));
    }
    // q's density is the exact Gaussian: log q at its mean is -log(2 pi sqrt(det C))
    const at = q.logDensity(q.mean)[0];
    expect(at).toBeCloseTo(-Math.log(2 * Math.PI * Math.sqrt(C[0] * C[3] - C[1] * C[2])), 12);
    // and its draws have its covariance (20,000 draws: sd of a covariance entry < 0.02)
    const x = q.sample(20_000, { seed: 1 });
    let c01 = 0;
    for (let k = 0; k < 20_000; k++) c01 += (x[2 * k] - q.mean[0]) * (x[2 * k + 1] - q.mean[1]);
    expect(Math.abs(c01 / 20_000 - C[1])).toBeLessThan(0.06);
  });

  test("its ELBO beats Gaussian mean field's on a correlated Gaussian", async () => {
    const t = gaussian({ mean, covariance: S });
    const full = await gaussianVi(t, { backend, seed: 1 });
    const mf = await gaussianMfvi(t, { backend, seed: 1 });
    // mean field's optimum has KL (log det S + sum_i log L_ii) / 2 = 0.26 here
    expect(full.elbo - 4 * full.klError).toBeGreaterThan(mf.elbo);
  });

  // Stan 2.21's fullrank ADVI (the issue's measurement): minority mass 0.49, 0.16, 0.013 at m = 1,
  // 2, 3. At m = 1 the optimum is unique and symmetric; at m = 2 and 3 there are two local
  // optima (fixture): q on one component, and a broad q over both (mass 1/2, larger KL). Which
  // one a run reaches follows its start, so Stan's single numbers there (from random starts in
  // [-2, 2]^2) lie between the two, and we compare each optimum with the fixture instead.
  test("Figure-1: the minority mass falls with m; each optimum matches the independent reference; Stan's values lie between", async () => {
    const masses: number[] = [];
    for (const [m, stan] of [[1, 0.49], [2, 0.16], [3, 0.013]]) {
      const ref = reference[m - 1];
      // a start on one side, as Stan's random starts with x1 + x2 > 0
      const q = await gaussianVi(figure1(m), { backend, seed: 0, init: { center: 1, scale: 1 } });
      expect(q.status).toBe("converged");
      const mass = minority(q, m, 1_000_000);
      masses.push(mass);
      expect(q.kl).toBeGreaterThan(ref.collapsed.kl - 4 * q.klError);
      expect(q.kl).toBeLessThan(ref.collapsed.kl + 4 * q.klError + 0.003);
      if (m === 1) {
        expect(Math.abs(mass - stan)).toBeLessThan(0.02);
        expect(Math.abs(mass - ref.collapsed.minorityMass)).toBeLessThan(0.02);
        continue;
      }
      // measured over 10 seeds: 0.0046..0.0059 at m = 2 (ref 0.0051), 0.9e-5..1.7e-5 at m = 3 (ref 1.7e-5)
      if (m === 2) expect(Math.abs(mass / ref.collapsed.minorityMass - 1)).toBeLessThan(0.25);
      else expect(mass).toBeLessThan(3 * ref.collapsed.minorityMass);
      // from the midpoint the broad optimum: mass near 1/2, its KL (measured 0.41..0.50 at m = 3)
      const broad = await gaussianVi(figure1(m), { backend, seed: 0 });
      expect(minority(broad, m)).toBeGreaterThan(0.4);
      expect(Math.abs(broad.kl - ref.symmetric.kl)).toBeLessThan(4 * broad.klError + 0.05);
      expect(ref.collapsed.minorityMass).toBeLessThan(stan);
      expect(stan).toBeLessThan(ref.symmetric.minorityMass);
    }
    expect(masses[0]).toBeGreaterThan(masses[1]);
    expect(masses[1]).toBeGreaterThan(masses[2]);
  });

  test("the same seed gives the same bits, another seed other bits; stepping by hand equals the one-shot call", async () => {
    const t = gaussianMixture({ weights: [0.4, 0.6], means: [[-1, 0, 1], [1, 1, -1]], covariances: [1, [1, 2, 0.5]] });
    const opts = { backend, seed: 42, iterations: 700, klSamples: 500 };
    const a = await gaussianVi(t, opts);
    const b = await gaussianVi(t, opts);
    const c = await gaussianVi(t, { ...opts, seed: 43 });
    expect(fitBits(b)).toEqual(fitBits(a));
    expect(bits(c.trace)).not.toEqual(bits(a.trace));
    const fit = await gaussianViStepper(t, opts);
    let steps = 0;
    while (!fit.done) {
      fit.step();
      steps++;
      expect(fit.current().iterations).toBe(Math.min(100 * steps, a.iterations));
    }
    expect(fitBits(fit.result())).toEqual(fitBits(a));
    fit.dispose();
  });

  test("status: 'maxIterations', 'aborted' by the signal, 'diverged' on a NaN gradient", async () => {
    const t = gaussian({ mean: [0, 0], covariance: 1 });
    const short = await gaussianVi(t, { backend, iterations: 150 });
    expect(short.status).toBe("maxIterations");
    expect(short.iterations).toBe(150);
    const controller = new AbortController();
    const aborted = await gaussianVi(t, { backend, signal: controller.signal, onProgress: (p) => void (p.sweep >= 200 && controller.abort()) });
    expect(aborted.status).toBe("aborted");
    expect(aborted.iterations).toBe(200);
    const nan = customTarget({ dim: 2, logDensity: (p, o) => o.fill(0), gradLogDensity: (p, g) => g.fill(NaN) });
    const diverged = await gaussianVi(nan, { backend });
    expect(diverged.status).toBe("diverged");
    expect(diverged.message).toMatch(/not finite .*iteration 1/);
  });
});

test("WASM and JS agree bit for bit, and a custom target wrapping a mixture follows the same path", async () => {
  const t = gaussianMixture({ weights: [0.4, 0.6], means: [[-1, 0, 1], [1, 1, -1]], covariances: [[[1, 0.3, 0], [0.3, 1, 0], [0, 0, 1]], [1, 2, 0.5]] });
  const custom = customTarget({ dim: 3, logDensity: (p, o) => t.logDensityBatch(p, o), gradLogDensity: (p, g) => t.gradLogDensityBatch(p, g), normalized: true });
  const fits: GaussianApproximation[] = [];
  for (const target of [t, custom]) for (const backend of backends) fits.push(await gaussianVi(target, { backend, seed: 7, samplesPerStep: 4 }));
  for (const f of fits.slice(1)) expect(fitBits(f)).toEqual(fitBits(fits[0]));
  expect(bits(fits[1].sample(64, { seed: 2 }))).toEqual(bits(fits[0].sample(64, { seed: 2 })));
});

describe("gaussianVi validates its arguments", () => {
  const t = gaussian({ mean: [0, 0], covariance: 1 });
  type Case = [string, () => Promise<unknown>, ErrorConstructor, RegExp];
  const cases: Case[] = [
    ["target not a target", () => gaussianVi({} as never), TypeError, /target must be a target made by gaussian\(\)/],
    ["custom target without gradient", () => gaussianVi(customTarget({ dim: 1, logDensity: () => {} })), TypeError, /target must be a target with a gradient/],
    ["unknown option", () => gaussianVi(t, { gridSize: 64 } as never), RangeError, /options\.gridSize must be one of the known options/],
    ["klSamples one", () => gaussianVi(t, { klSamples: 1 }), RangeError, /options\.klSamples must be an integer in \[2, 10000000\]; got 1/],
    ["klSamples a string", () => gaussianVi(t, { klSamples: "many" as never }), TypeError, /options\.klSamples must be an integer; got "many"/],
    ["learningRate negative", () => gaussianVi(t, { learningRate: -1 }), RangeError, /options\.learningRate must be > 0; got -1/],
    ["init.scale zero", () => gaussianVi(t, { init: { center: 0, scale: 0 } }), RangeError, /options\.init\.scale must be positive; got 0/],
  ];
  test.each(cases)("%s", async (_, call, kind, message) => {
    await expectRejection(call(), kind, message);
  });

  test("sample and logDensity check theirs", async () => {
    const q = await gaussianVi(t, { iterations: 100 });
    expect(() => q.sample(0)).toThrow(/n must be an integer in \[1, 100000000\]; got 0/);
    expect(() => q.sample(2, { seed: -1 })).toThrow(RangeError);
    expect(() => q.logDensity([0, 0] as never)).toThrow(/points must be a Float64Array/);
    expect(() => q.logDensity(new Float64Array(3))).toThrow(/points\.length must be a positive multiple of 2; got 3/);
  });
});
