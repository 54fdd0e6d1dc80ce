// Misbehaving targets and callbacks: every one gets a clear error or a status that says what
// went wrong, never a silent 'converged', a flat target or an unhandled rejection.
import { describe, expect, test } from "vitest";
import { customTarget, faithfulEruptions, gaussian, gaussianMfvi, gaussianMfviStepper, gaussianMixture, labelSwitchingPosterior, lmc, mfvi, mfviStepper, principalAxes, ready, rovi, roviStepper, type Approximation } from "../src/index.js";
import { expectRejection } from "./helpers.js";

await ready("wasm");

const mixture = gaussianMixture({ weights: [0.5, 0.5], means: [[-2, -2], [2, 2]], covariances: [1, 1] });
const small = { gridSize: 32, rotationSamples: 512 };

describe.each(["wasm", "js"] as const)("misbehaving targets on %s", (backend) => {
  test.each([NaN, Infinity, 1e300])("rovi reports a gradient of %s as 'diverged', naming the rotation step", async (bad) => {
    const t = customTarget({ dim: 2, logDensity: (p, out) => mixture.logDensityBatch(p, out), gradLogDensity: (_, g) => g.fill(bad) });
    const q = await rovi(t, { backend, ...small, rotationInit: "identity" });
    expect(q.status).toBe("diverged");
    expect(q.message).toMatch(/rotation step/);
    expect(q.converged).toBe(false);
  });

  test("a logDensity that writes nothing is caught as NaN, not read as a flat target", async () => {
    const q = await mfvi(customTarget({ dim: 2, logDensity: () => {} }), { backend, gridSize: 32 });
    expect(q.status).toBe("diverged");
    expect(q.message).toMatch(/NaN/);
  });

  test("an async logDensity is rejected with a TypeError naming it", async () => {
    const t = customTarget({ dim: 2, logDensity: (async (p: Float64Array, out: Float64Array) => mixture.logDensityBatch(p, out)) as never });
    await expectRejection(mfvi(t, { backend, gridSize: 32 }), TypeError, /customTarget's logDensity must be a synchronous function .* got a promise/);
    expect((await mfvi(mixture, { backend, gridSize: 32 })).status).toBe("converged"); // still usable
  });

  test("a logDensity that throws rejects the fit with its error; the next fit works", async () => {
    const t = customTarget({ dim: 2, logDensity: () => { throw new RangeError("user: out of support"); } });
    await expectRejection(mfvi(t, { backend, gridSize: 32 }), RangeError, /user: out of support/);
    await expectRejection(lmc(customTarget({ dim: 2, logDensity: () => {}, gradLogDensity: () => { throw new Error("user grad"); } }), { backend, step: 0.1 }), Error, /user grad/);
    expect((await mfvi(mixture, { backend, gridSize: 32 })).status).toBe("converged");
  });

  test("an onProgress that rejects rejects the fit (no unhandled rejection)", async () => {
    const onProgress = async () => { throw new Error("user progress"); };
    await expectRejection(mfvi(mixture, { backend, gridSize: 32, onProgress }), Error, /user progress/);
    await expectRejection(lmc(mixture, { backend, step: 0.1, steps: 10, onProgress }), Error, /user progress/);
  });

  test("a signal-like object whose aborted is not a boolean is rejected, not read as aborted", async () => {
    await expectRejection(mfvi(mixture, { backend, signal: { aborted: "no" } as never }), TypeError, /options.signal must be an AbortSignal/);
  });

  test("gaussianMfvi does not call a fit far from its optimum 'converged' (the old stall test scaled with |ELBO|)", async () => {
    const far = await gaussianMfvi(gaussian({ mean: [1e6, -1e6], covariance: [[2, 0.5], [0.5, 1]] }), { backend, iterations: 3000 });
    expect(far.status).toBe("maxIterations");
    const scales = await gaussianMfvi(gaussian({ mean: [0, 0], covariance: [1e-10, 1e10] }), { backend });
    expect(scales.status).not.toBe("converged");
    expect(scales.message).not.toBe("");
  });

  test("gaussianMfvi on a Gaussian of condition number 1e12 is not 'converged' away from its optimum (it was, at KL 70.9)", async () => {
    const rho = (1e12 - 1) / (1e12 + 1);
    const q = await gaussianMfvi(gaussian({ mean: [0, 0], covariance: [[1, rho], [rho, 1]] }), { backend });
    const optimum = -0.5 * Math.log1p(-rho * rho); // KL of the best product of Gaussians: 13.12
    if (q.status === "converged") expect(Math.abs(q.kl - optimum)).toBeLessThan(0.1);
    else expect(q.message).not.toBe("");
  });

  test.each([
    ["NaN", (_: Float64Array, out: Float64Array) => void out.fill(NaN)],
    ["Infinity", (_: Float64Array, out: Float64Array) => void out.fill(Infinity)],
    ["nothing written", () => {}],
  ])("ULA on a custom target whose logDensity gives %s is 'diverged' (it used 'completed': ULA reads only the gradient)", async (_, logDensity) => {
    const r = await lmc(customTarget({ dim: 2, logDensity, gradLogDensity: (x, g) => g.set(x.map((v) => -v)) }), { backend, step: 0.1, steps: 20, chains: 2 });
    expect([r.status, r.diverged, Array.from(r.divergedAt)]).toEqual(["diverged", 2, [1, 1]]);
    expect(r.message).toMatch(/2 of 2 chains diverged \(a non-finite state, gradient or log density; the first at step 1\)/);
  });

  test("ULA whose gradient of 1e300 throws the chains to where log pi is -Infinity is 'diverged'", async () => {
    const logDensity = (x: Float64Array, out: Float64Array) => out.forEach((_, j) => (out[j] = -0.5 * (x[2 * j] ** 2 + x[2 * j + 1] ** 2)));
    const r = await lmc(customTarget({ dim: 2, logDensity, gradLogDensity: (_, g) => g.fill(1e300) }), { backend, step: 0.1, steps: 20, chains: 2 });
    expect(r.status).toBe("diverged");
  });

  /**
   * A custom mixture whose logDensity aborts `controller` on its call number `at` (1-based), or
   * on the first call for which `at(call, points)` holds; `calls()` counts them.
   */
  const abortingAt = (controller: AbortController, at: number | ((call: number, points: number) => boolean)) => {
    let calls = 0;
    const when = typeof at === "number" ? (call: number) => call === at : at;
    const target = customTarget({
      dim: 2,
      logDensity: (p, out) => {
        if (when(++calls, out.length) && !controller.signal.aborted) controller.abort();
        mixture.logDensityBatch(p, out);
      },
      gradLogDensity: (p, g) => mixture.gradLogDensityBatch(p, g),
    });
    return Object.assign(target, { calls: () => calls });
  };
  const fitBits = (q: Approximation) => [q.iterations, ...q.trace, ...q.marginals.flatMap((m) => [...m.edges, ...m.mass])];

  test("an abort seen inside a sweep (the user's code aborts) ends mfvi 'aborted' with the state before that sweep", async () => {
    const o = { backend, gridSize: 32, tol: 1e-12 };
    const counting = abortingAt(new AbortController(), 0);
    const stepper = await mfviStepper(counting, o);
    stepper.step();
    stepper.step();
    const calls = counting.calls();
    const two = stepper.current();
    stepper.dispose();
    // the first call of sweep 3 aborts
    const c = new AbortController();
    const q = await mfvi(abortingAt(c, calls + 1), { ...o, signal: c.signal });
    expect([q.status, q.message]).toEqual(["aborted", "aborted by options.signal during a sweep (the result is the state before it)"]);
    expect(fitBits(q)).toEqual(fitBits(two));
    expect(q.kl).toBe(two.kl);
  });

  test("a custom target's line points come in batches of whole lines (<= 2^16 coordinates); an abort in one batch is the coordinate's last call", async () => {
    // d = 8, gridSize 64, 400 samples: 128 samples' lines per batch, so 4 calls per coordinate
    const d = 8;
    const o = { backend, gridSize: 64, samples: 400, maxSweeps: 1 };
    const sizes: number[] = [];
    const normal = (p: Float64Array, out: Float64Array) => out.forEach((_, j) => (out[j] = -0.5 * p.subarray(j * d, (j + 1) * d).reduce((a, x) => a + x * x, 0)));
    const stepper = await mfviStepper(customTarget({ dim: d, logDensity: (p, out) => (sizes.push(out.length), normal(p, out)) }), o);
    stepper.step();
    stepper.dispose();
    // each update of a coordinate (a grid that widens updates it again): 4 calls of whole lines
    const update = [128, 128, 128, 16].map((s) => s * 64);
    expect(sizes.length).toBeGreaterThanOrEqual(4 * d);
    expect(sizes).toEqual(Array.from({ length: sizes.length / 4 }, () => update).flat());
    const aborted = async (at: number) => {
      const c = new AbortController();
      let calls = 0;
      const t = customTarget({ dim: d, logDensity: (p, out) => (++calls === at && c.abort(), normal(p, out)) });
      const q = await mfvi(t, { ...o, signal: c.signal });
      return { q, after: calls - at };
    };
    // aborted in the first or the second batch of the first coordinate: the same state (the start), the same calls after it (the final KL's)
    const [first, second] = [await aborted(1), await aborted(2)];
    expect([second.q.status, second.q.iterations]).toEqual(["aborted", 0]);
    expect(second.after).toBe(first.after);
    expect(fitBits(second.q)).toEqual(fitBits(first.q));
  });

  test("an abort seen inside rovi's sweep or rotation step ends it there: 'aborted', no further calls but the final KL's", async () => {
    // call 3 is in the first sweep, 9 in the first rotation phase, 25 in the second (of the fit's 36)
    for (const at of [3, 9, 25]) {
      const c = new AbortController();
      const target = abortingAt(c, at);
      const q = await rovi(target, { backend, ...small, signal: c.signal, temper: false, rotationInit: "identity" });
      expect(q.status).toBe("aborted");
      expect(Number.isFinite(q.kl)).toBe(true);
      expect(target.calls()).toBe(at + 1); // the KL of 32 x 32 cells: one batch
    }
  });

  test("a RoVI sweep the user's code aborts is not counted in iterations: the result is the state after the sweeps before it", async () => {
    const o = { backend, ...small, tol: 1e-12, temper: false, rotationInit: "identity" as const };
    const counting = abortingAt(new AbortController(), 0);
    const stepper = await roviStepper(counting, o);
    let sweeps = 0;
    for (let k = 0; k < 3; k++) sweeps = (stepper.step() as { sweep: number }).sweep;
    const calls = counting.calls();
    const three = stepper.current();
    stepper.dispose();
    expect(sweeps).toBe(3);
    // the first call of sweep 4 aborts
    const c = new AbortController();
    const reported: number[] = [];
    const q = await rovi(abortingAt(c, calls + 1), { ...o, signal: c.signal, onProgress: (info) => void reported.push((info as { sweep: number }).sweep) });
    expect([q.status, q.message]).toEqual(["aborted", "aborted by options.signal during a sweep (the result is the state before it)"]);
    expect(q.iterations).toBe(3);
    expect(reported).toEqual([1, 2, 3, 3]);
    expect([...fitBits(q), ...q.rotation]).toEqual([...fitBits(three), ...three.rotation]);
    expect(q.kl).toBe(three.kl);
  });

  test("an abort in RoVI's rotation step after a sweep that met tol ends it 'aborted' (the step's 0 read as a settled rotation: 'converged'), the sweep counted", async () => {
    // rotation draws (512 points) are told from the sweep's batches (32 x 32 cells) by their size
    const c = new AbortController();
    const q = await rovi(abortingAt(c, (_, points) => points === small.rotationSamples), { backend, ...small, tol: 0.5, temper: false, rotationInit: "identity", signal: c.signal });
    expect(q.status).toBe("aborted");
    expect(q.message).toMatch(/^aborted by options\.signal during a rotation phase/);
    expect(q.iterations).toBe(1);
    expect(q.trace.length).toBe(1);
  });

  /** The sampled KL that stands in for an exact one the signal stopped: its error, its warning, and within 4 errors of the exact one. */
  const expectStoppedKl = (q: Approximation, exactKl: number) => {
    expect(q.klError).toBeGreaterThan(0);
    expect(q.warnings).toContain("kl is a sampled estimate (options.klSamples = 32768 draws): options.signal stopped the exact sum over the grids' cells");
    expect(Math.abs(q.kl - exactKl)).toBeLessThan(4 * q.klError);
  };
  const BATCH = 65536; // points per batch of the exact KL (src/kl.ts)

  test("an abort the user's code makes during an exact KL of several batches stops the sum there: the sampled KL of the same factors", async () => {
    // 2 nodes per cell and axis at gridSize 200: about 400^2 points, 3 batches; a sweep's batches are <= 200^2
    const o = { backend, gridSize: 200 };
    const reference = await mfvi(abortingAt(new AbortController(), 0), o);
    expect([reference.klError, reference.warnings]).toEqual([0, []]);
    const c = new AbortController();
    const batches: number[] = [];
    const q = await mfvi(abortingAt(c, (_, points) => (batches.push(points), points === BATCH)), { ...o, signal: c.signal });
    expect(q.status).toBe(reference.status);
    expect(fitBits(q)).toEqual(fitBits(reference));
    expectStoppedKl(q, reference.kl);
    expect(batches.filter((n) => n === BATCH).length).toBe(1); // no second batch
  });

  test("rovi: an abort during a run's exact KL starts no further restart", async () => {
    const o = { backend, ...small, gridSize: 200, maxSweeps: 4, restarts: 2, temper: false, rotationInit: "identity" as const };
    const c = new AbortController();
    const q = await rovi(abortingAt(c, (_, points) => points === BATCH), { ...o, signal: c.signal });
    expect(q.runs!.length).toBe(1);
    expect(q.klError).toBeGreaterThan(0);
    expect(q.warnings).toContain("kl is a sampled estimate (options.klSamples = 32768 draws): options.signal stopped the exact sum over the grids' cells");
  });

  test("a fit aborted between sweeps does not sum an exact KL of several batches (a 3-D mixture's takes seconds): its sampled KL instead", async () => {
    const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-2, 0, 1], [2, 1, -1]], covariances: [1, [2, 1, 0.5]] });
    const o = { backend, gridSize: 48, quadrature: "exact" as const };
    const stepper = await mfviStepper(t, o);
    stepper.step();
    const one = stepper.current();
    stepper.dispose();
    const c = new AbortController();
    const q = await mfvi(t, { ...o, signal: c.signal, onProgress: () => c.abort() });
    expect([q.status, q.iterations]).toEqual(["aborted", 1]);
    expect(fitBits(q)).toEqual(fitBits(one));
    expect(one.klError).toBe(0);
    expectStoppedKl(q, one.kl);
  });

  test("gaussianMfvi's grids' exact KL honours its signal too", async () => {
    const o = { backend, init: { center: 1, scale: 1 } };
    const stepper = await gaussianMfviStepper(mixture, o);
    for (let k = 0; k < 3; k++) stepper.step();
    const three = stepper.result(); // stopped: the average of its windows, KL exact
    stepper.dispose();
    const c = new AbortController();
    const q = await gaussianMfvi(mixture, { ...o, signal: c.signal, onProgress: (p) => void (p.sweep >= 300 && c.abort()) });
    expect([q.status, q.iterations]).toEqual(["aborted", 300]);
    expect(q.marginals.flatMap((m) => [...m.edges, ...m.mass])).toEqual(three.marginals.flatMap((m) => [...m.edges, ...m.mass]));
    expect(three.klError).toBe(0);
    expectStoppedKl(q, three.kl);
  });

  test("Old Faithful, LMC axes, default factor start: RoVI's poor region (-ELBO about 1305) keeps grids that follow its factors, and a fit still drifting out of it after maxSweeps says so", async () => {
    const t = labelSwitchingPosterior();
    const mean = faithfulEruptions.reduce((a, b) => a + b, 0) / faithfulEruptions.length;
    const draws = (await lmc(t, { backend, seed: 1, step: 1e-4, steps: 400, chains: 60, init: [mean, mean] })).samples;
    const q = await rovi(t, { backend, seed: 1, gridSize: 64, rotationInit: await principalAxes(draws, 2, { backend }), temper: false });
    expect(q.kl).toBeGreaterThan(1000); // the good fit's is about 308
    // its grids follow its factors (no cell holds a tenth of the mass, where uniform grids once
    // squeezed them into two cells: 'unreliable')
    for (const m of q.marginals) expect(Math.max(...m.mass)).toBeLessThan(0.1);
    // it is still moving (its -ELBO falls by about 0.006 a sweep, towards the good fit), so it
    // does not claim to have converged
    expect([q.status, q.converged, q.iterations]).toEqual(["maxIterations", false, 200]);
    const last = q.trace.length - 1;
    expect(q.trace[last - 10] - q.trace[last]).toBeGreaterThan(0.01);
  });

  test.each([1e308, -1e308])("a constant log pi of %s is 'diverged' with a message (it gave kl = +-Infinity and 'maxSweeps')", async (v) => {
    const t = customTarget({ dim: 2, logDensity: (_, out) => out.fill(v), gradLogDensity: (_, g) => g.fill(0) });
    for (const q of [await mfvi(t, { backend, gridSize: 32 }), await rovi(t, { backend, ...small, temper: false })]) {
      expect(q.status).toBe("diverged");
      expect(q.message).toMatch(/not finite|is NaN|widen past the largest finite number/);
    }
  });

  test("a fit whose factors sit in one or two cells of their grids is 'unreliable', not 'converged'", async () => {
    // grids 400 times wider than the factors (what a start far from the target's mass leaves)
    const q = await mfvi(gaussian({ mean: [0, 0], covariance: 1 }), { backend, gridSize: 32, bounds: [[-2000, 2000], [-2000, 2000]] });
    expect(q.status).toBe("unreliable");
    expect(q.converged).toBe(false);
    expect(q.message).toMatch(/factor 0 has 1\.000 of its mass in two of its 32 cells/);
    expect(q.warnings.length).toBe(2);
  });
});
