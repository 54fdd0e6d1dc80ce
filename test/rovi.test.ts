// RoVI against docs/algorithms.md §6 facts 4 and 5, on both backends (2-D and small cases;
// d = 10 and 50 are in rovi-high-d.node.test.ts).
import { beforeAll, describe, expect, test } from "vitest";
import { componentMass, customTarget, gaussian, gaussianMixture, mfvi, nearestOrthogonal, ready, rovi } from "../src/index.js";
import * as P from "../src/generated/portable/index.js";
import { Rotator } from "../src/rotation.js";
import { parseRoviOptions } from "../src/rovi-options.js";
import { bestColumnCos, orthogonalityError, watchSweeps } from "./helpers.js";

const backends = ["wasm", "js"] as const;
beforeAll(async () => {
  await ready("wasm");
});

describe.each(backends)("RoVI on %s", (backend) => {
  test.each([0.5, 0.3])("fact 4, 2-D diagonal mixture m = 3, w = %s: masses (w, 1 - w), KL ~ 0, 45 degrees", async (w) => {
    const t = gaussianMixture({ weights: [w, 1 - w], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
    const collapsed = await mfvi(t, { backend, init: { center: [3, 3], scale: 1 } });
    expect(Math.max(...componentMass(collapsed, t))).toBeGreaterThan(0.999);
    for (const rotationInit of ["pca", "identity"] as const) {
      // identity: the tempering schedule alone finds the rotation in 2-D
      const a = await rovi(t, { backend, rotationInit });
      expect(a.status).toBe("converged");
      const m = componentMass(a, t);
      expect(Math.abs(m[0] - w)).toBeLessThan(0.02);
      expect(a.kl).toBeLessThan(0.02);
      expect(a.kl).toBeGreaterThan(-0.02);
      expect(bestColumnCos(a.rotation, [1, 1])).toBeGreaterThan(0.999);
      expect(orthogonalityError(a.rotation, 2)).toBeLessThan(1e-12);
    }
  });

  test("the tempered stages on coarser grids (temper.gridSize, default 64 cells) reach the rotation and the answer of full grids; the final stage has gridSize cells, the trace every sweep", async () => {
    const t = gaussianMixture({ weights: [0.3, 0.7], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
    const coarse = await rovi(t, { backend, seed: 2 });
    const full = await rovi(t, { backend, seed: 2, temper: { gridSize: 256 } });
    for (const q of [coarse, full]) {
      expect(q.status).toBe("converged");
      for (const m of q.marginals) expect(m.mass.length).toBe(256);
      expect(q.trace.length).toBe(q.iterations);
      // exact quadrature in 2-D: the KL of each returned histogram, above 0 by its cells' O(w^2) loss
      expect(q.kl).toBeGreaterThan(0);
      expect(q.kl).toBeLessThan(0.001);
    }
    for (let j = 0; j < 4; j++) expect(Math.abs(coarse.rotation[j] - full.rotation[j])).toBeLessThan(1e-4);
    const [a, b] = [componentMass(coarse, t), componentMass(full, t)];
    expect(Math.abs(a[0] - b[0])).toBeLessThan(1e-4);
    expect(Math.abs(coarse.kl - full.kl)).toBeLessThan(1e-4);
  });

  test.each([0.5, 0.3])("tempering, w = %s: each stage after the first starts on grids placed for pi^beta (no sweep moves a grid); each stage, and the fit, ends on a rotation step below its tolerance next to a sweep that settled the factors", async (w) => {
    const t = gaussianMixture({ weights: [w, 1 - w], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
    const { betas, temperedTol, rotationTol, cyclesPerStage } = parseRoviOptions(t, {});
    type Event = { kind: "sweep"; beta: number; adapted: number; settled: boolean } | { kind: "step"; moved: number };
    const events: Event[] = [];
    const stopWatching = watchSweeps((ws, end) => events.push({ kind: "sweep", beta: ws[P.H_BETA], adapted: ws[P.H_ADAPT], settled: end?.status === "converged" }));
    const step = Rotator.prototype.step;
    Rotator.prototype.step = function (this: Rotator, fresh: boolean, n: number) {
      const moved = step.call(this, fresh, n);
      events.push({ kind: "step", moved });
      return moved;
    };
    try {
      const q = await rovi(t, { backend });
      expect(q.status).toBe("converged");
      expect(Math.abs(componentMass(q, t)[0] - w)).toBeLessThan(0.02);
    } finally {
      stopWatching();
      Rotator.prototype.step = step;
    }
    const sweeps = events.filter((e) => e.kind === "sweep");
    expect(new Set(sweeps.map((e) => e.beta))).toEqual(new Set(betas));
    for (const e of sweeps) if (e.beta > betas[0] && e.beta < 1) expect(e.adapted).toBe(0);
    // at every change of beta: the stage's last two events are a sweep that settled the
    // factors and a step below the tolerance, in either order, or it ran its cyclesPerStage
    // cycles (a sweep and a rotation phase each)
    const below = (e: Event, tol: number) => e.kind === "step" && e.moved < tol;
    const settled = (e: Event) => e.kind === "sweep" && e.settled;
    /** A settling sweep and a step below tol, in either order. */
    const settledPair = (a: Event, b: Event, tol: number) => (below(a, tol) && settled(b)) || (settled(a) && below(b, tol));
    let [beta, from, changes] = [betas[0], 0, 0];
    events.forEach((e, j) => {
      if (e.kind !== "sweep" || e.beta === beta) return;
      const [a, b] = events.slice(j - 2, j);
      const cycles = events.slice(from, j).filter((x) => x.kind === "sweep").length;
      expect(settledPair(a, b, temperedTol) || (cycles === cyclesPerStage && b.kind === "step")).toBe(true);
      [beta, from] = [e.beta, j];
      changes++;
    });
    expect(changes).toBe(betas.length - 1);
    // and the fit converged on the same rule, to options.rotationTol
    const [a, b] = events.slice(-2);
    expect(settledPair(a, b, rotationTol)).toBe(true);
  });

  test("a fit stopped before the final stage says so: its factors fit pi^beta, on the tempered stages' cells", async () => {
    const t = gaussianMixture({ weights: [0.3, 0.7], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
    const coarse = await rovi(t, { backend, seed: 2, maxSweeps: 2 });
    expect(coarse.status).toBe("maxIterations");
    for (const m of coarse.marginals) expect(m.mass.length).toBe(64);
    expect(coarse.warnings).toContain("the fit stopped in tempering stage beta = 0.0500, before the final stage: its factors fit pi^beta, not pi, on options.temper.gridSize (64) cells, not options.gridSize (256)");
    const full = await rovi(t, { backend, seed: 2, maxSweeps: 2, temper: { gridSize: 256 } });
    for (const m of full.marginals) expect(m.mass.length).toBe(256);
    expect(full.warnings).toContain("the fit stopped in tempering stage beta = 0.0500, before the final stage: its factors fit pi^beta, not pi");
    // the KL is of the returned factors against pi itself, as always
    expect(coarse.kl).toBeGreaterThan(0.05);
    const finished = await rovi(t, { backend, seed: 2 });
    expect(finished.warnings.filter((w) => w.includes("before the final stage"))).toEqual([]);
  });

  test("an unsettled tempering stage is a warning only when the fit then does not converge", async () => {
    // m = 1, the tempered stages held to the final stage's tolerance: the first (beta = 0.05)
    // ends on cyclesPerStage, the final stage settles
    const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-1, -1], [1, 1]], covariances: [1, 1] });
    const strict = { backend, seed: 1, temper: { rotationTol: 1e-4 } };
    const fit = await rovi(t, strict);
    expect(fit.status).toBe("converged");
    expect(fit.kl).toBeLessThan(0.001);
    expect(fit.warnings).toEqual([]);
    // the same fit cut one sweep short: same path, so the same stage ended unsettled
    const cut = await rovi(t, { ...strict, maxSweeps: fit.iterations - 1 });
    expect(cut.status).toBe("maxIterations");
    expect(cut.warnings).toEqual([
      "tempering stage beta = 0.0500 ended after options.cyclesPerStage (3) cycles before the factors and rotation settled, and the fit did not converge after them",
    ]);
  });

  test("fact 5: a rotated Gaussian with distinct variances: KL ~ 0 and columns along the eigenvectors", async () => {
    // S = Q diag(4, 1, 0.25) Q^T with Q a rotation about two axes
    const c1 = Math.cos(0.5), s1 = Math.sin(0.5), c2 = Math.cos(1.1), s2 = Math.sin(1.1);
    const Q = [
      [c1, -s1 * c2, s1 * s2],
      [s1, c1 * c2, -c1 * s2],
      [0, s2, c2],
    ];
    const lambda = [4, 1, 0.25];
    const S = Q.map((_, i) => Q.map((_, j) => lambda.reduce((s, l, k) => s + Q[i][k] * l * Q[j][k], 0)));
    const t = gaussian({ mean: [1, 0, -1], covariance: S });
    const a = await rovi(t, { backend, rotationInit: "identity", quadrature: "sampled" });
    expect(a.kl).toBeLessThan(0.01);
    for (let k = 0; k < 3; k++) expect(bestColumnCos(a.rotation, Q.map((row) => row[k]))).toBeGreaterThan(0.999);
    // MFVI cannot do this: its KL is the closed form (log det S + sum log L_ii) / 2 > 0
    const m = await mfvi(t, { backend, quadrature: "sampled" });
    expect(m.kl).toBeGreaterThan(0.1);
  });

  test("unequal covariances: RoVI's KL is below MFVI's", async () => {
    const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-2, -2], [2, 2]], covariances: [1, [[3, -2.5], [-2.5, 3]]] });
    const m = await mfvi(t, { backend, init: { center: [2, 2], scale: 2 } });
    const r = await rovi(t, { backend });
    console.log(`unequal covariances (${backend}): MFVI KL ${m.kl.toFixed(4)}, RoVI KL ${r.kl.toFixed(4)}`);
    expect(r.kl).toBeLessThan(m.kl - 0.05);
  });

  test("restarts keep the lowest KL and report every run", async () => {
    const t = gaussianMixture({ weights: [0.3, 0.7], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
    const a = await rovi(t, { backend, restarts: 3, rotationInit: "identity" });
    expect(a.runs?.length).toBe(3);
    expect(a.kl).toBe(Math.min(...a.runs!));
  });

  test("a custom target's logDensity never sees the points of the call before it again (a rotation step reuses its accepted candidate's log pi)", async () => {
    const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
    let last = new Float64Array(0);
    let repeats = 0;
    let calls = 0;
    const logDensity = (p: Float64Array, out: Float64Array) => {
      calls++;
      if (p.length === last.length && p.every((v, i) => Object.is(v, last[i]))) repeats++;
      last = p.slice();
      t.logDensityBatch(p, out);
    };
    const custom = customTarget({ dim: 2, normalized: true, logDensity, gradLogDensity: (p, g) => t.gradLogDensityBatch(p, g) });
    const joint = customTarget({ dim: 2, normalized: true, logDensity, logDensityAndGradient: (p, out, g) => (t.logDensityBatch(p, out), t.gradLogDensityBatch(p, g)) });
    const o = { backend, rotationInit: "identity", explore: false, gridSize: 64, rotationSamples: 1024 } as const;
    const q = await rovi(custom, o);
    expect(calls).toBeGreaterThan(50);
    expect(repeats).toBe(0);
    // the same bits as with one call for both (which returns log pi afresh at every step)
    const r = await rovi(joint, o);
    expect(q.kl).toBe(r.kl);
    expect(Array.from(q.trace)).toEqual(Array.from(r.trace));
    expect(q.status).toBe("converged");
  });
});

test("the rotation stays orthogonal to 1e-12 over thousands of Procrustes steps", async () => {
  const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-2, 1, 0], [2, -1, 0.5]], covariances: [[1, 2, 0.5], 1] });
  let steps = 0;
  const a = await rovi(t, {
    quadrature: "sampled",
    gridSize: 32,
    samples: 16,
    klSamples: 256,
    rotationSamples: 64,
    rotationSteps: 4,
    rotationTol: 1e-300, // never settles: every cycle takes all 4 steps
    procrustes: { maxBacktracks: 4 },
    tol: 1e-300,
    temper: false,
    maxSweeps: 600,
    onProgress: () => steps++,
  });
  expect(steps).toBe(600);
  expect(a.iterations).toBe(600); // 600 cycles of 4 steps: 2400 steps
  expect(orthogonalityError(a.rotation, 3)).toBeLessThan(1e-12);
});

test("WASM and JS give the same bits; the same seed the same result", async () => {
  const t = gaussianMixture({ weights: [0.3, 0.7], means: [[-3, -3], [3, 3]], covariances: [1, [1, 2]] });
  const [w, j] = await Promise.all(backends.map((backend) => rovi(t, { backend, seed: 9, gridSize: 64 })));
  expect(w.kl).toBe(j.kl);
  expect(Array.from(w.rotation)).toEqual(Array.from(j.rotation));
  expect(Array.from(w.trace)).toEqual(Array.from(j.trace));
  const again = await rovi(t, { backend: "wasm", seed: 9, gridSize: 64 });
  expect(Array.from(again.rotation)).toEqual(Array.from(w.rotation));
  // d = 7: the SIMD vector primitives' tails (7 = 4 + 2 + 1) and the sampled quadrature's path
  const u = [1, -2, 0.5, 3, -1, 2, 0.25];
  const t7 = gaussianMixture({ weights: [0.4, 0.6], means: [u.map((x) => -x), u], covariances: [1, 1] });
  const opts = { seed: 3, gridSize: 32, samples: 32, klSamples: 1024, rotationSamples: 512, maxSweeps: 12 };
  const [w7, j7] = await Promise.all(backends.map((backend) => rovi(t7, { ...opts, backend })));
  expect(w7.kl).toBe(j7.kl);
  expect(Array.from(w7.rotation)).toEqual(Array.from(j7.rotation));
  expect(Array.from(w7.trace)).toEqual(Array.from(j7.trace));
  expect(Array.from(w7.sample(64, { seed: 1 }))).toEqual(Array.from(j7.sample(64, { seed: 1 })));
});

test("a user rotation is used as given; a non-orthogonal one is refused", async () => {
  const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
  const q = (await nearestOrthogonal([[1, 1], [-1, 1]])).Q;
  const a = await rovi(t, { rotationInit: q, temper: false });
  expect(bestColumnCos(a.rotation, [1, 1])).toBeGreaterThan(0.999);
  await expect(rovi(t, { rotationInit: [[1, 0.1], [0, 1]] })).rejects.toThrow(/options\.rotationInit must be orthogonal \(\|O\^T O - I\| <= 1e-8\); got a matrix with \|O\^T O - I\| = 1\.00e-1/);
});

test("rotationInit { samples }: the draws' principal axes and their moments start the fit", async () => {
  // exact draws of 1/2 N(-3 (1, 1), I) + 1/2 N(3 (1, 1), I), Box-Muller on a seeded LCG
  let state = 12345;
  const u = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const n = 2000;
  const draws = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const phi = 2 * Math.PI * u();
    const m = j % 2 === 0 ? -3 : 3;
    draws[2 * j] = m + r * Math.cos(phi);
    draws[2 * j + 1] = m + r * Math.sin(phi);
  }
  const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
  for (const samples of [draws, Array.from({ length: n }, (_, j) => [draws[2 * j], draws[2 * j + 1]])]) {
    const a = await rovi(t, { rotationInit: { samples }, temper: false, seed: 3 });
    expect(a.status).toBe("converged");
    expect(bestColumnCos(a.rotation, [1, 1])).toBeGreaterThan(0.999);
    for (const mass of componentMass(a, t)) expect(Math.abs(mass - 0.5)).toBeLessThan(0.02);
    expect(a.kl).toBeLessThan(0.02);
  }
  await expect(rovi(t, { rotationInit: { samples: draws.subarray(0, 3) } })).rejects.toThrow(/options\.rotationInit\.samples\.length must be a multiple of dim \(2\), at least 2 draws; got 3/);
  await expect(rovi(t, { rotationInit: { samples: [[1, 2], [Infinity, 1]] } })).rejects.toThrow(/options\.rotationInit\.samples\[1\]\[0\] must be a finite number; got Infinity/);
  await expect(rovi(t, { rotationInit: { samples: [[1, 2, 3]] } })).rejects.toThrow(/options\.rotationInit\.samples\[0\] must be a row of length 2/);
  await expect(rovi(t, { rotationInit: { draws } } as never)).rejects.toThrow(/options\.rotationInit\.draws must be one of the known options/);
  expect((await rovi(t, { rotationInit: { samples: draws }, temper: false })).status).toBe("converged"); // still usable
});

test.each([
  ["rotationInit unknown", { rotationInit: "qr" }, RangeError, /options\.rotationInit must be one of 'identity', 'random', 'pca', 'explore'; got "qr"/],
  ["rotationInit wrong shape", { rotationInit: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }, RangeError, /options\.rotationInit must be a matrix with 2 rows/],
  ["restarts zero", { restarts: 0 }, RangeError, /options\.restarts must be an integer in \[1, 1000\]; got 0/],
  ["temper from 1", { temper: { from: 1 } }, RangeError, /options\.temper\.from must be in \(0, 1\); got 1/],
  ["temper betas not ending at 1", { temper: { betas: [0.1, 0.5] } }, RangeError, /options\.temper\.betas must be ending at 1; got 0\.5/],
  ["temper betas decreasing", { temper: { betas: [0.5, 0.1, 1] } }, RangeError, /options\.temper\.betas\[1\] must be in \(0, 1\] and increasing; got 0\.1/],
  ["temper a string", { temper: "yes" }, TypeError, /options\.temper must be a boolean or a schedule/],
  ["rotationSamples one", { rotationSamples: 1 }, RangeError, /options\.rotationSamples must be an integer in \[2, 10000000\]; got 1/],
  ["temper rotationSamples one", { temper: { rotationSamples: 1 } }, RangeError, /options\.temper\.rotationSamples must be an integer in \[2, 10000000\]; got 1/],
  ["rotationTol negative", { rotationTol: -1 }, RangeError, /options\.rotationTol must be positive; got -1/],
  ["temper gridSize above gridSize", { gridSize: 32, temper: { gridSize: 64 } }, RangeError, /options\.temper\.gridSize must be an integer in \[16, 32\]; got 64/],
  ["temper gridSize with bounds", { bounds: [[-9, 9], [-9, 9]], temper: { gridSize: 32 } }, RangeError, /options\.temper\.gridSize must be absent when options\.bounds fixes the grids; got 32/],
  ["temper rotationTol zero", { temper: { rotationTol: 0 } }, RangeError, /options\.temper\.rotationTol must be positive; got 0/],
  ["procrustes unknown key", { procrustes: { c: 1 } }, RangeError, /options\.procrustes\.c must be one of the known options/],
])("invalid RoVI option: %s", async (_, opts, type, message) => {
  const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
  await expect(rovi(t, opts as never)).rejects.toThrow(type);
  await expect(rovi(t, opts as never)).rejects.toThrow(message);
});
