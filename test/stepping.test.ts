// The stepping API: a fit stepped by hand (reading current() after every step) gives the same
// bits as the one-shot call, for each of the four fits on both backends; and the user's
// functions are called once per batch in RoVI's rotation step.
import { describe, expect, test } from "vitest";
import {
  customTarget,
  gaussianMfvi,
  gaussianMfviStepper,
  gaussianMixture,
  lmc,
  lmcStepper,
  mfvi,
  mfviStepper,
  ready,
  rovi,
  roviStepper,
  type Approximation,
  type LmcResult,
  type Stepper,
} from "../src/index.js";

await ready("wasm");

const mixture = gaussianMixture({ weights: [0.3, 0.7], means: [[-2, -2], [2, 2]], covariances: [1, [[1, 0.5], [0.5, 1]]] });

/** Steps a fit to the end by hand, reading current() after every step, and returns result(). */
function stepByHand<R, I>(fit: Stepper<R, I>): { result: R; steps: number; snapshots: R[] } {
  const snapshots: R[] = [];
  let steps = 0;
  try {
    while (!fit.done) {
      fit.step();
      steps++;
      snapshots.push(fit.current());
    }
    return { result: fit.result(), steps, snapshots };
  } finally {
    fit.dispose();
  }
}

const bits = (a: ArrayLike<number>) => Array.from(a, (v) => (Object.is(v, -0) ? "-0" : String(v)));

function approximationBits(q: Approximation) {
  return { kl: String(q.kl), status: q.status, iterations: q.iterations, rotation: bits(q.rotation), trace: bits(q.trace), masses: q.marginals.map((m) => bits(m.mass)), edges: q.marginals.map((m) => bits(m.edges)), runs: q.runs && bits(q.runs) };
}

function lmcBits(r: LmcResult) {
  return { status: r.status, samples: bits(r.samples), state: bits(r.state), acceptance: bits(r.acceptance), stepsDone: r.stepsDone };
}

describe.each(["wasm", "js"] as const)("stepping by hand on %s", (backend) => {
  test("mfvi: same bits as mfvi(), and current() after the last step is the result", async () => {
    const opts = { backend, seed: 2, gridSize: 64 };
    const once = await mfvi(mixture, opts);
    const { result, steps, snapshots } = stepByHand(await mfviStepper(mixture, opts));
    expect(approximationBits(result)).toEqual(approximationBits(once));
    expect(steps).toBe(once.iterations);
    expect(snapshots[steps - 1].status).toBe(once.status);
    expect(snapshots[0].status).toBe(steps > 1 ? "running" : once.status);
  });

  test("mfvi in sampled quadrature (current() draws for its KL): same bits", async () => {
    const opts = { backend, seed: 5, gridSize: 32, quadrature: "sampled" as const, samples: 16, klSamples: 512 };
    const once = await mfvi(mixture, opts);
    expect(approximationBits(stepByHand(await mfviStepper(mixture, opts)).result)).toEqual(approximationBits(once));
  });

  test("rovi with tempering and restarts: same bits as rovi()", async () => {
    const opts = { backend, seed: 1, gridSize: 32, restarts: 2, rotationSamples: 512 };
    const once = await rovi(mixture, opts);
    const { result, snapshots } = stepByHand(await roviStepper(mixture, opts));
    expect(approximationBits(result)).toEqual(approximationBits(once));
    expect(once.runs).toHaveLength(2);
    expect(snapshots.some((q) => q.status === "running")).toBe(true);
  });

  test("rovi on a custom target, exploring first (pilot sweeps and Langevin steps as steps): same bits as rovi()", async () => {
    const custom = customTarget({
      dim: 2,
      logDensity: (p, out) => mixture.logDensityBatch(p, out),
      gradLogDensity: (p, g) => mixture.gradLogDensityBatch(p, g),
    });
    const opts = { backend, seed: 6, gridSize: 32, restarts: 2, rotationSamples: 512, explore: { chains: 16, steps: 30 } };
    const once = await rovi(custom, opts);
    const { result, steps, snapshots } = stepByHand(await roviStepper(custom, opts));
    expect(approximationBits(result)).toEqual(approximationBits(once));
    // during the exploration current() is its pilot MFVI fit
    expect(snapshots[0].method).toBe("mfvi");
    expect(steps).toBeGreaterThan(30 + once.iterations);
  });

  test("gaussianMfvi: same bits as gaussianMfvi()", async () => {
    const opts = { backend, seed: 3, iterations: 700, gridSize: 32 };
    const once = await gaussianMfvi(mixture, opts);
    const { result, steps } = stepByHand(await gaussianMfviStepper(mixture, opts));
    expect(approximationBits(result)).toEqual(approximationBits(once));
    expect(steps).toBe(7); // windows of 100 iterations
  });

  test("lmc (built-in and custom target): same bits as lmc()", async () => {
    const custom = customTarget({
      dim: 2,
      logDensity: (p, out) => mixture.logDensityBatch(p, out),
      gradLogDensity: (p, g) => mixture.gradLogDensityBatch(p, g),
    });
    for (const target of [mixture, custom]) {
      const opts = { backend, seed: 4, step: 0.1, steps: 40, chains: 30, burnIn: 10, thin: 10, adjust: true };
      const once = await lmc(target, opts);
      const { result } = stepByHand(await lmcStepper(target, opts));
      expect(lmcBits(result)).toEqual(lmcBits(once));
      expect(once.status).toBe("completed");
    }
  });

  test("stop() ends a fit as 'aborted' with the factors reached; step() then throws", async () => {
    const fit = await mfviStepper(mixture, { backend, gridSize: 32, tol: 1e-300, maxSweeps: 50 });
    fit.step();
    fit.step();
    fit.stop();
    expect(fit.done).toBe(true);
    const q = fit.result();
    expect(q.status).toBe("aborted");
    expect(q.iterations).toBe(2);
    expect(() => fit.step()).toThrow(/aborted/);
    fit.dispose();
    expect(() => fit.current()).toThrow(/disposed/);
  });
});

describe.each(["wasm", "js"] as const)("a custom target's calls in RoVI's rotation step on %s", (backend) => {
  const n = 1000; // rotationSamples: tells the rotation step's batches from the sweeps' ones

  /** rovi with one sweep and one Procrustes step, counting calls on rotation-step batches. */
  async function count(spec: "separate" | "combined") {
    const calls = { value: 0, gradient: 0, combined: 0, repeatedPoints: 0 };
    let last: Float64Array | null = null;
    const note = (kind: keyof typeof calls, p: Float64Array) => {
      if (p.length !== 2 * n) return;
      calls[kind]++;
      if (last && last.every((v, i) => v === p[i])) calls.repeatedPoints++;
      last = p.slice();
    };
    const logDensity = (p: Float64Array, out: Float64Array) => (note("value", p), mixture.logDensityBatch(p, out));
    const target =
      spec === "separate"
        ? customTarget({ dim: 2, logDensity, gradLogDensity: (p, g) => (note("gradient", p), mixture.gradLogDensityBatch(p, g)) })
        : customTarget({
            dim: 2,
            logDensity,
            logDensityAndGradient: (p, out, g) => {
              note("combined", p);
              mixture.logDensityBatch(p, out);
              mixture.gradLogDensityBatch(p, g);
            },
          });
    const q = await rovi(target, { backend, rotationSamples: n, rotationSteps: 1, maxSweeps: 1, temper: false, gridSize: 32, rotationInit: "identity" });
    expect(q.status).toBe("maxIterations");
    return calls;
  }

  test("logDensityAndGradient: one call for value and gradient, one for the candidate (4 before: gradient, value twice, candidate)", async () => {
    expect(await count("combined")).toEqual({ value: 1, gradient: 0, combined: 1, repeatedPoints: 0 });
  });

  test("gradLogDensity and logDensity: each once on the draws, then once on the candidate", async () => {
    expect(await count("separate")).toEqual({ value: 2, gradient: 1, combined: 0, repeatedPoints: 1 });
  });
});
