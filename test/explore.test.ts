// RoVI on a custom target with no help: its own exploration (rotationInit 'explore', the
// default) finds both components of the Figure-1 mixture; its steps come first in the stepper
// and in onProgress; its options are checked like any other.
import { beforeAll, describe, expect, test } from "vitest";
import { componentMass, customTarget, ready, rovi, type RoviProgress } from "../src/index.js";
import { figureOneMixture } from "./explore-target.js";
import { bestColumnCos, expectRejection } from "./helpers.js";

beforeAll(async () => {
  await ready("wasm");
});

describe.each([2, 10])("the Figure-1 mixture as a custom target in d = %i", (d) => {
  test.each([0.5, 0.3])("w = %s: RoVI with defaults recovers (w, 1 - w) with KL < 0.02, the same bits on both backends", async (w) => {
    const { custom, mixture, u } = figureOneMixture(d, w);
    const fits = [];
    for (const backend of ["wasm", "js"] as const) {
      const q = await rovi(custom, { backend });
      const mass = componentMass(q, mixture);
      expect(Math.abs(mass[0] - w)).toBeLessThan(0.02);
      expect(q.kl).toBeLessThan(0.02);
      expect(bestColumnCos(q.rotation, u)).toBeGreaterThan(0.999);
      fits.push(q);
    }
    expect(fits[1].kl).toBe(fits[0].kl);
    expect(Array.from(fits[1].rotation)).toEqual(Array.from(fits[0].rotation));
  });
});

describe("the exploration's place in the fit", () => {
  const { custom } = figureOneMixture(2, 0.3);

  test("onProgress: the exploration's steps (pilot sweeps, then every Langevin step), then the fit's sweeps", async () => {
    const seen: RoviProgress[] = [];
    const q = await rovi(custom, { explore: { steps: 50 }, onProgress: (i) => void seen.push(i) });
    const first = seen.findIndex((i) => i.phase === "fit");
    expect(first).toBeGreaterThan(0);
    expect(seen.slice(first).every((i) => i.phase === "fit")).toBe(true);
    const explore = seen.slice(0, first).map((i) => (i.phase === "explore" ? i : null)!);
    const pilot = explore.filter((i) => i.step === 0);
    expect(pilot.map((i) => i.pilotSweeps)).toEqual(pilot.map((_, k) => k + 1));
    expect(explore.slice(pilot.length).map((i) => i.step)).toEqual(Array.from({ length: 50 }, (_, k) => k + 1));
    expect(explore.every((i) => i.steps === 50 && i.status === "running")).toBe(true);
    expect(seen.length - first).toBe(q.iterations);
  });

  test("explore: false is the identity start, tempered; rotationInit 'explore' on a mixture explores it too", async () => {
    const opts = { gridSize: 32, maxSweeps: 20, rotationSamples: 512 };
    const off = await rovi(custom, { ...opts, explore: false });
    const identity = await rovi(custom, { ...opts, rotationInit: "identity" });
    expect(off.kl).toBe(identity.kl);
    expect(Array.from(off.trace)).toEqual(Array.from(identity.trace));
    const { mixture, u } = figureOneMixture(2, 0.3);
    const q = await rovi(mixture, { rotationInit: "explore" });
    expect(bestColumnCos(q.rotation, u)).toBeGreaterThan(0.999);
    expect(Math.abs(componentMass(q, mixture)[0] - 0.3)).toBeLessThan(0.02);
  });

  test("an exploration whose chains all diverge says so and starts from the identity", async () => {
    // log pi = -(x^4 + y^4): ULA with a large step jumps out to ever larger |x| and overflows
    const quartic = customTarget({
      dim: 2,
      logDensity: (p, out) => out.forEach((_, j) => (out[j] = -(p[2 * j] ** 4 + p[2 * j + 1] ** 4))),
      gradLogDensity: (p, g) => g.forEach((_, k) => (g[k] = -4 * p[k] ** 3)),
    });
    const q = await rovi(quartic, { explore: { step: 5, steps: 20 }, gridSize: 32 });
    expect(q.warnings).toContain("the exploration kept 0 settled chains, fewer than 2 dim = 4 (every chain diverged: a smaller options.explore.step may help); RoVI started from the identity");
    expect(q.status).toBe("converged");
  });

  test("aborted during the exploration: status 'aborted', the pilot's factors, no sweeps", async () => {
    const signal = AbortSignal.abort();
    const q = await rovi(custom, { signal });
    expect(q.status).toBe("aborted");
    expect(q.method).toBe("rovi");
    expect(q.iterations).toBe(0);
    expect(q.message).toBe("aborted by options.signal during the exploration");
    expect(Array.from(q.runs!)).toEqual([q.kl]);
  });

  test("the options are checked, naming the option, the rule and the value", async () => {
    await expectRejection(rovi(custom, { explore: true as never }), TypeError, /options\.explore must be an object \{ chains, steps, step \} or false; got true/);
    await expectRejection(rovi(custom, { explore: { chains: 2 } }), RangeError, /options\.explore\.chains must be .*4.*got 2/);
    await expectRejection(rovi(custom, { explore: { steps: 0.5 } }), RangeError, /options\.explore\.steps/);
    await expectRejection(rovi(custom, { explore: { step: -1 } }), RangeError, /options\.explore\.step must be .*got -1/);
    await expectRejection(rovi(custom, { explore: { box: [] } as never }), RangeError, /options\.explore.*box/);
    await expectRejection(rovi(custom, { explore: false, rotationInit: "explore" }), RangeError, /options\.rotationInit must be not 'explore' when options\.explore is false; got "?explore"?/);
  });
});
