// RoVI with defaults, no draws passed, on the two targets issue 14 names: the Old Faithful
// label-switching posterior and the Figure-1 mixture as a 50-D custom target (Node only: these
// fits take tens of seconds each; the smaller ones run in both projects in explore.test.ts).
import { readFileSync } from "node:fs";
import { beforeAll, expect, test } from "vitest";
import { componentMass, labelSwitchingPosterior, mfvi, ready, rovi, type Approximation, type RoviOptions, type Target } from "../src/index.js";
import { figureOneMixture } from "./explore-target.js";
import { bestColumnCos, labelShare } from "./helpers.js";

/** The best product in 45-degree coordinates against MFVI, by grid CAVI in make_explore.py. */
const reference = JSON.parse(readFileSync(new URL("./fixtures/explore.json", import.meta.url), "utf8")) as { logZ: number; mfviKl: number; rotatedKl: number; gain: number };

beforeAll(async () => {
  await ready("wasm");
});

/** rovi with the time it took and the exploration's share of it (up to its last progress report). */
async function timedRovi(t: Target, opts: RoviOptions): Promise<{ q: Approximation; seconds: number; exploreShare: number }> {
  const t0 = performance.now();
  let explored = t0;
  const q = await rovi(t, { ...opts, onProgress: (i) => void (i.phase === "explore" && (explored = performance.now())) });
  const seconds = (performance.now() - t0) / 1000;
  return { q, seconds, exploreShare: (explored - t0) / 1000 / seconds };
}

test("Old Faithful with defaults: RoVI carries 0.45 to 0.55 on mu_1 < mu_2 and gains what a product can over MFVI, the same bits on both backends", async () => {
  const t = labelSwitchingPosterior();
  const share = labelShare;
  const fits = [];
  for (const backend of ["wasm", "js"] as const) {
    const m = await mfvi(t, { backend });
    const { q, seconds, exploreShare } = await timedRovi(t, { backend });
    const gain = m.kl - q.kl;
    console.log(`Old Faithful (${backend}): RoVI ${seconds.toFixed(1)} s (exploration ${(100 * exploreShare).toFixed(1)}%), ${q.iterations} sweeps, ${q.status}; P(mu_1 < mu_2) ${share(q).toFixed(3)}, -ELBO ${q.kl.toFixed(4)} (MFVI ${m.kl.toFixed(4)}), gain ${gain.toFixed(4)} of at most ${reference.gain.toFixed(4)}`);
    expect(share(q)).toBeGreaterThan(0.45);
    expect(share(q)).toBeLessThan(0.55);
    // the continuous product optimum bounds the gain; 256 cells per factor lose < 0.015 of it
    expect(gain).toBeLessThan(reference.gain + 0.005);
    expect(gain).toBeGreaterThan(reference.gain - 0.015);
    fits.push(q);
  }
  expect(fits[1].kl).toBe(fits[0].kl);
  expect(Array.from(fits[1].rotation)).toEqual(Array.from(fits[0].rotation));
}, 600_000);

test.each([
  [0.5, ["wasm"]],
  [0.3, ["wasm", "js"]],
] as const)("the Figure-1 mixture as a 50-D custom target, w = %s: RoVI with defaults recovers (w, 1 - w) with KL < 0.02 (on %j, the same bits)", async (w, backends) => {
  const { custom, mixture, u } = figureOneMixture(50, w);
  const fits = [];
  for (const backend of backends) {
    const { q, seconds, exploreShare } = await timedRovi(custom, { backend });
    const mass = componentMass(q, mixture);
    console.log(`d = 50, w = ${w} (${backend}): RoVI ${seconds.toFixed(1)} s (exploration ${(100 * exploreShare).toFixed(1)}%), ${q.iterations} sweeps; mass ${mass[0].toFixed(4)}, KL ${q.kl.toFixed(4)}, cos ${bestColumnCos(q.rotation, u).toFixed(6)}`);
    expect(Math.abs(mass[0] - w)).toBeLessThan(0.02);
    expect(q.kl).toBeLessThan(0.02);
    expect(bestColumnCos(q.rotation, u)).toBeGreaterThan(0.999);
    fits.push(q);
  }
  for (const q of fits.slice(1)) {
    expect(q.kl).toBe(fits[0].kl);
    expect(Array.from(q.rotation)).toEqual(Array.from(fits[0].rotation));
  }
}, 600_000);
