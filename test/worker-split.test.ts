// The pool's split and merge (src/worker/split.ts), in one thread: RoVI restarts run one by one
// and merged, and LMC chain blocks run apart (lmc's chainBlock) and merged, give the bits of
// the whole run, including divergence and acceptance bookkeeping.
import { beforeAll, describe, expect, test } from "vitest";
import { customTarget, gaussianMixture, lmc, ready, rovi, type LmcResult } from "../src/index.js";
import { lmcPieces, mergeLmc, mergeRovi, roviPieces } from "../src/worker/split.js";
import { toWire } from "../src/worker/serialize.js";

beforeAll(async () => {
  await ready("wasm");
});

const bits = (a: ArrayLike<number>) => Array.from(Float64Array.from(a), (v) => (Object.is(v, -0) ? "-0" : String(v))).join(",");
const mixture = gaussianMixture({ weights: [0.4, 0.6], means: [[-2, 0, 1], [2, 1, -1]], covariances: [1, [1, 0.5, 2]] });

describe.each(["wasm", "js"] as const)("on %s", (backend) => {
  test("RoVI restarts run one by one and merged are the run with all of them", async () => {
    const opts = { backend, seed: 11, restarts: 3, gridSize: 32, samples: 32, klSamples: 1024, maxSweeps: 30, rotationSamples: 512 };
    const whole = await rovi(mixture, opts);
    const pieces = roviPieces(opts)!;
    expect(pieces.map((p) => p.restartBlock)).toEqual([[0, 1], [1, 2], [2, 3]]);
    const merged = mergeRovi(await Promise.all(pieces.map((p) => rovi(mixture, p))));
    expect(bits(merged.runs!)).toBe(bits(whole.runs!));
    expect(bits(merged.runErrors!)).toBe(bits(whole.runErrors!));
    expect(merged.warnings).toEqual(whole.warnings);
    expect(bits([merged.kl, ...merged.rotation, ...merged.trace, ...merged.sample(16, { seed: 1 })])).toBe(
      bits([whole.kl, ...whole.rotation, ...whole.trace, ...whole.sample(16, { seed: 1 })]),
    );
  });

  test.each([
    ["ULA on a mixture, thinned", { step: 0.2, steps: 30, burnIn: 10, thin: 5 }],
    ["MALA, per-chain starts", { step: 0.5, steps: 25, adjust: true, init: Array.from({ length: 7 }, (_, j) => [j - 3, 0, 1]) }],
  ])("LMC chain blocks merged are the run of all chains: %s", async (_, extra) => {
    const opts = { backend, seed: 5, chains: 7, ...extra };
    const whole = await lmc(mixture, opts);
    const merged = mergeLmc(await Promise.all(lmcPieces(opts, 3)!.map((p) => lmc(mixture, p))));
    expect(lmcPieces(opts, 3)!.map((p) => p.chainBlock)).toEqual([[0, 2], [2, 4], [4, 7]]);
    expectSameRun(merged, whole);
  });

  test("LMC blocks keep divergence: ULA with a step too large on a steep custom target", async () => {
    // log pi = -x^4: ULA with h = 0.3 from |x| = 2 jumps to ever larger |x| and overflows
    const t = customTarget({
      dim: 1,
      logDensity: (p, out) => out.forEach((_, j) => (out[j] = -(p[j] ** 4))),
      gradLogDensity: (p, g) => g.forEach((_, j) => (g[j] = -4 * p[j] ** 3)),
    });
    const opts = { backend, seed: 2, chains: 6, step: 0.3, steps: 40, thin: 4, init: [0.1, 2, 0.2, -2, 0.3, 0.1] };
    const whole = await lmc(t, opts);
    expect(whole.diverged).toBeGreaterThan(0);
    const merged = mergeLmc(await Promise.all(lmcPieces(opts, 4)!.map((p) => lmc(t, p))));
    expectSameRun(merged, whole);
  });
});

function expectSameRun(a: LmcResult, b: LmcResult): void {
  for (const key of ["samples", "state", "acceptance", "divergedAt"] as const) expect(bits(a[key])).toBe(bits(b[key]));
  const { samples, state, acceptance, divergedAt, ...rest } = a;
  const { samples: s, state: st, acceptance: ac, divergedAt: dv, ...restB } = b;
  expect(rest).toEqual(restB);
}

test("chainBlock is checked like any option", async () => {
  await expect(lmc(mixture, { step: 0.1, chains: 4, chainBlock: [2, 2] })).rejects.toThrow(/options\.chainBlock\[1\] must be .*got 2/);
  await expect(lmc(mixture, { step: 0.1, chains: 4, chainBlock: [0, 5] })).rejects.toThrow(RangeError);
});

test("restartBlock is checked like any option", async () => {
  await expect(rovi(mixture, { restarts: 3, restartBlock: [1, 1] })).rejects.toThrow(/options\.restartBlock\[1\] must be .*got 1/);
  await expect(rovi(mixture, { restarts: 3, restartBlock: [0, 4] })).rejects.toThrow(RangeError);
  await expect(rovi(mixture, { restartBlock: [0, 1, 2] as never })).rejects.toThrow(/options\.restartBlock must be a pair/);
  expect(roviPieces({ restarts: 1 })).toBeNull();
});

test("restarts whose seeds wrap in the low word split too, and restarts that disagree warn alike", async () => {
  // two well-separated components: restarts from random rotations find different optima
  const far = gaussianMixture({ weights: [0.5, 0.5], means: [[-4, -4], [4, 4]], covariances: [1, 1] });
  const opts = { seed: 2 ** 32 - 2, restarts: 4, gridSize: 32, klSamples: 512, maxSweeps: 20, temper: false, rotationSamples: 256 };
  const whole = await rovi(far, opts);
  const merged = mergeRovi(await Promise.all(roviPieces(opts)!.map((p) => rovi(far, p))));
  expect(bits([merged.kl, merged.klError, ...merged.runs!, ...merged.runErrors!, ...merged.rotation])).toBe(
    bits([whole.kl, whole.klError, ...whole.runs!, ...whole.runErrors!, ...whole.rotation]),
  );
  expect(merged.warnings).toEqual(whole.warnings);
});

test("results cross threads with their own buffers transferred, never a view into a larger one", async () => {
  const r = await lmc(mixture, { step: 0.1, chains: 3, steps: 5 });
  const { transfer } = toWire({ ...r, state: new Float64Array(new ArrayBuffer(800), 8, 3) });
  expect(transfer).toContain(r.samples.buffer);
  expect(transfer).toContain(r.acceptance.buffer);
  expect(transfer).toHaveLength(3); // samples, acceptance, divergedAt: not the state's larger buffer
});
