// Misbehaving targets and callbacks: every one gets a clear error or a status that says what
// went wrong, never a silent 'converged', a flat target or an unhandled rejection.
import { describe, expect, test } from "vitest";
import { customTarget, gaussian, gaussianMfvi, gaussianMixture, lmc, mfvi, ready, rovi } from "../src/index.js";
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

  test("a fit whose factors sit in one or two cells of their grids is 'unreliable', not 'converged'", async () => {
    // grids 400 times wider than the factors (what a start far from the target's mass leaves)
    const q = await mfvi(gaussian({ mean: [0, 0], covariance: 1 }), { backend, gridSize: 32, bounds: [[-2000, 2000], [-2000, 2000]] });
    expect(q.status).toBe("unreliable");
    expect(q.converged).toBe(false);
    expect(q.message).toMatch(/factor 0 has 1\.000 of its mass in two of its 32 cells/);
    expect(q.warnings.length).toBe(2);
  });
});
