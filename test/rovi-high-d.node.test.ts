// Fact 4 in d = 10 and 50 (Node only: these fits take seconds each; bit-identity between Node
// and Chromium is checked on the smaller cases in rovi.test.ts).
import { beforeAll, describe, expect, test } from "vitest";
import { componentMass, gaussianMixture, mfvi, ready, rovi } from "../src/index.js";
import { bestColumnCos, orthogonalityError } from "./helpers.js";

beforeAll(async () => {
  await ready("wasm");
});

/** A seeded unit vector in R^d. */
function direction(d: number): number[] {
  let s = d >>> 0;
  const u = Array.from({ length: d }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1);
  const norm = Math.hypot(...u);
  return u.map((x) => x / norm);
}

describe.each(["wasm", "js"] as const)("RoVI on %s", (backend) => {
  test.each([
    [10, 0.5],
    [10, 0.3],
    [50, 0.5],
    [50, 0.3],
  ])("fact 4 in d = %i, w = %s: MFVI collapses, RoVI recovers (w, 1 - w) with KL < 0.02", async (d, w) => {
    const u = direction(d);
    const t = gaussianMixture({ weights: [w, 1 - w], means: [u.map((x) => -3 * x), u.map((x) => 3 * x)], covariances: [1, 1] });
    const m = await mfvi(t, { backend });
    expect(Math.max(...componentMass(m, t))).toBeGreaterThan(0.99);
    const a = await rovi(t, { backend });
    const mass = componentMass(a, t);
    console.log(`d=${d} w=${w} (${backend}): MFVI KL ${m.kl.toFixed(4)}; RoVI KL ${a.kl.toFixed(4)}, masses ${mass[0].toFixed(4)}, cos ${bestColumnCos(a.rotation, u).toFixed(6)}`);
    expect(Math.abs(mass[0] - w)).toBeLessThan(0.02);
    expect(a.kl).toBeLessThan(0.02);
    expect(bestColumnCos(a.rotation, u)).toBeGreaterThan(0.999);
    expect(orthogonalityError(a.rotation, d)).toBeLessThan(1e-12);
  });
});
