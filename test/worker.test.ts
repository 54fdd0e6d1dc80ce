// rovi/worker in worker threads (Node) and Web Workers (Chromium): the same bits as in-thread,
// progress, cancellation, custom targets by module URL, errors as in-thread. It runs the BUILT
// package (dist/: `npm run build`, which `npm test` does first), since workers load its files.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Approximation, customTarget, gaussianMfvi, gaussianMixture, lmc, mfvi, mfviStepper, ready, rovi, svd, type LmcResult } from "../dist/index.js";
import { WorkerPool, approximationFromData, approximationToData } from "../dist/worker/index.js";
import { banana } from "./fixtures/banana-target.mjs";

const spec = { weights: [0.3, 0.7], means: [[-3, -3], [3, 3]], covariances: [1, [1, 2]] };
const mixture = gaussianMixture(spec);
const bananaUrl = new URL("./fixtures/banana-target.mjs", import.meta.url).href;
const pool = new WorkerPool({ size: 2 });

beforeAll(async () => {
  await ready("wasm");
});
afterAll(() => pool.terminate());

const bits = (a: ArrayLike<number>) => Array.from(Float64Array.from(a), (v) => (Object.is(v, -0) ? "-0" : String(v))).join(",");
const fitBits = (q: Approximation) => bits([q.kl, q.iterations, ...q.rotation, ...q.trace, ...(q.runs ?? []), ...q.marginals[0].mass, ...q.sample(8, { seed: 3 })]);

describe.each(["wasm", "js"] as const)("on %s: the same bits as in-thread", (backend) => {
  test("mfvi, gaussianMfvi (the mixture passed as a target or as its spec)", async () => {
    const o = { backend, seed: 2, gridSize: 64 };
    const q = await pool.mfvi(mixture, o);
    expect(q).toBeInstanceOf(Approximation);
    expect(fitBits(q)).toBe(fitBits(await mfvi(mixture, o)));
    const g = { backend, seed: 4, iterations: 300, gridSize: 64 };
    expect(fitBits(await pool.gaussianMfvi({ gaussianMixture: spec }, g))).toBe(fitBits(await gaussianMfvi(mixture, g)));
  });

  test("rovi with 3 restarts spread over the workers", async () => {
    const o = { backend, seed: 5, gridSize: 64, restarts: 3 };
    const q = await pool.rovi(mixture, o);
    const here = await rovi(mixture, o);
    expect(q.runs).toHaveLength(3);
    expect(fitBits(q)).toBe(fitBits(here));
    const x = Float64Array.of(0, 0, 3, 3);
    expect(bits(q.logDensity(x))).toBe(bits(here.logDensity(x)));
  });

  test("lmc with 9 chains split over the workers; svd", async () => {
    const o = { backend, seed: 3, chains: 9, steps: 60, step: 0.2, thin: 20, adjust: true };
    const r = await pool.lmc(mixture, o);
    const here = await lmc(mixture, o);
    expect(bits(r.samples)).toBe(bits(here.samples));
    expect([r.acceptanceRate, r.chains, r.status]).toEqual([here.acceptanceRate, 9, "completed"]);
    const m = [[3, 0, 1], [4, 5, -2]];
    const s = await pool.svd(m, { backend });
    const t = await svd(m, { backend });
    expect(bits([...s.U, ...s.S, ...s.V])).toBe(bits([...t.U, ...t.S, ...t.V]));
  });

  test("a custom target given as a module URL and an export name", async () => {
    const o = { backend, seed: 1, gridSize: 48, maxSweeps: 30 };
    const q = await pool.mfvi({ module: bananaUrl, export: "banana" }, o);
    expect(fitBits(q)).toBe(fitBits(await mfvi(customTarget(banana), o)));
    const l = { backend, seed: 1, chains: 4, steps: 20, step: 0.1 };
    expect(bits((await pool.lmc({ module: bananaUrl, export: "banana" }, l)).samples)).toBe(bits((await lmc(customTarget(banana), l)).samples));
  });
});

test("progress after every sweep, the KL of the trace", async () => {
  const seen: { sweep: number; kl: number }[] = [];
  const q = await pool.mfvi(mixture, { seed: 2, gridSize: 64, onProgress: (p) => seen.push(p) });
  expect(seen.map((p) => p.sweep)).toEqual(Array.from({ length: q.iterations }, (_, i) => i + 1));
  expect(bits(seen.map((p) => p.kl))).toBe(bits(q.trace));
  const steps: number[] = [];
  await pool.lmc(mixture, { step: 0.1, chains: 4, steps: 3000, onProgress: (p) => steps.push(p.step) });
  expect(steps.at(-1)).toBe(3000);
  expect(steps.every((s, i) => i === 0 || s >= steps[i - 1])).toBe(true);
});

test("with snapshots: the current approximation after every step, as mfviStepper's current() gives it", async () => {
  const o = { seed: 2, gridSize: 64, backend: "js" as const };
  const seen: string[] = [];
  const q = await pool.mfvi(mixture, { ...o, snapshots: true, onProgress: (_, current) => void seen.push(`${current!.status} ${fitBits(current!)}`) });
  const stepper = await mfviStepper(mixture, o);
  const here: string[] = [];
  while (!stepper.done) {
    stepper.step();
    here.push(`${stepper.current().status} ${fitBits(stepper.current())}`);
  }
  stepper.dispose();
  expect(seen).toEqual(here);
  expect(seen.at(-1)).toBe(`converged ${fitBits(q)}`);
  const states: LmcResult[] = [];
  await pool.lmc(mixture, { step: 0.1, chains: 6, steps: 2000, snapshots: true, onProgress: (_, current) => void (current && states.push(current)) });
  expect(states.length).toBeGreaterThan(0);
  expect(states.every((r) => r.chains === 6 && r.samples.length === 12)).toBe(true);
});

test("cancellation through an AbortSignal, after the first progress report", async () => {
  const c = new AbortController();
  const q = await pool.mfvi(mixture, { seed: 2, gridSize: 2048, tol: 1e-12, maxSweeps: 10_000, signal: c.signal, onProgress: () => c.abort() });
  expect(q.status).toBe("aborted");
  expect(q.iterations).toBeLessThan(100);
  const pre = new AbortController();
  pre.abort();
  const r = await pool.lmc(mixture, { step: 0.1, chains: 4, steps: 1e6, signal: pre.signal });
  expect([r.status, r.stepsDone]).toEqual(["aborted", 0]);
});

test("an abort while the worker is inside one long kernel call terminates it: the job ends, the pool works on", async () => {
  const one = new WorkerPool({ size: 1 });
  try {
    // an SVD of order 1024 is one kernel call of seconds, and this fit never stops by itself
    const svdAbort = new AbortController();
    const big = Float64Array.from({ length: 1024 * 1024 }, (_, i) => ((i * 2654435761) % 4294967296) / 4294967296 - 0.5); // full rank
    const svdJob = one.svd(big, { rows: 1024, signal: svdAbort.signal } as never);
    setTimeout(() => svdAbort.abort(), 100);
    await expect(svdJob).rejects.toMatchObject({ name: "AbortError" });
    const fitAbort = new AbortController();
    const cube = gaussianMixture({ weights: [0.5, 0.5], means: [[-2, 0, 0], [2, 0, 1]], covariances: [1, 1] });
    // sweeps of 3 x 4096 x 1e5 mixture evaluations, a final KL of 32768
    const fit = one.mfvi(cube, { quadrature: "sampled", gridSize: 4096, samples: 100_000, tol: 1e-300, maxSweeps: 1e6, signal: fitAbort.signal });
    setTimeout(() => fitAbort.abort(), 100);
    // stopped between sweeps within the grace period ('aborted', its state), or terminated inside one
    expect(await fit.then((q) => q.status, (e: Error) => e.name)).toMatch(/^(aborted|AbortError)$/);
    expect((await one.mfvi(mixture, { seed: 2, gridSize: 32 })).status).toBe("converged");
    expect((await one.svd([[3, 1], [1, 2]])).rank).toBe(2);
  } finally {
    one.terminate();
  }
});

test("bad input: the in-thread error, class and message; a custom target's functions cannot cross", async () => {
  const here = await mfvi(mixture, { gridSize: 3 }).catch((e: Error) => e);
  const there = await pool.mfvi(mixture, { gridSize: 3 }).catch((e: Error) => e);
  expect(there).toBeInstanceOf(RangeError);
  expect((there as Error).message).toBe((here as Error).message);
  await expect(pool.mfvi(customTarget(banana) as never, {})).rejects.toThrow(/target must be a Gaussian mixture or a target source/);
  await expect(pool.mfvi({ module: bananaUrl, export: "nope" }, {})).rejects.toThrow(/target\.export must be the name of an export/);
  await expect(pool.mfvi({ gaussian: {} } as never, {})).rejects.toThrow(TypeError);
});

test("an Approximation's data rebuilds it", async () => {
  const q = await mfvi(mixture, { seed: 2, gridSize: 32 });
  const r = approximationFromData(structuredClone(approximationToData(q)));
  expect(fitBits(r)).toBe(fitBits(q));
  expect(bits(r.mean)).toBe(bits(q.mean));
});
