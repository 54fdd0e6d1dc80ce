// WASM memory: flat over long synchronous loops (no garbage collection in between), and
// correct past 2 GiB, where addresses no longer fit a signed 32-bit number. Node only: the
// second test grows WASM memory past 2 GiB (address space; only a few pages are touched).
import { describe, expect, test } from "vitest";
import { getBackend, type Buffer } from "../src/backend.js";
import { Evaluator } from "../src/core/evaluator.js";
import { customTarget, gaussian, gaussianMixture, mfvi, svd } from "../src/index.js";

const spec = { weights: [0.3, 0.7], means: [[-1, 0.5], [2, 0]], covariances: [[[1, 0.4], [0.4, 2]], 0.5] };
const points = Float64Array.from({ length: 2e5 }, (_, i) => Math.sin(i) * 3);

describe("WASM memory", () => {
  test("stays flat over 150 rounds of synchronous calls on 1.6 MB of points, with and without new targets", async () => {
    const wasm = await getBackend("wasm");
    const t = gaussianMixture({ ...spec, backend: "wasm" });
    const n = points.length / 2;
    const grad = new Float64Array(points.length);
    const run = () => {
      t.logDensityBatch(points);
      t.gradLogDensityBatch(points, grad);
      t.responsibilities(points);
      const fresh = gaussianMixture({ ...spec, backend: "wasm" });
      fresh.logDensityBatch(points);
      fresh.dispose();
    };
    for (let i = 0; i < 20; i++) run();
    const before = wasm.memoryBytes();
    for (let i = 0; i < 150; i++) run();
    expect(wasm.memoryBytes()).toBe(before);
    expect(t.logDensityBatch(points).length).toBe(n);
  });

  test("stays flat over a loop of awaited fits", async () => {
    const wasm = await getBackend("wasm");
    const t = gaussianMixture({ ...spec, backend: "wasm" });
    const fit = () => mfvi(t, { backend: "wasm", gridSize: 64, maxSweeps: 5 });
    for (let i = 0; i < 3; i++) await fit();
    const before = wasm.memoryBytes();
    for (let i = 0; i < 30; i++) await fit();
    expect(wasm.memoryBytes()).toBe(before);
  });

  test("kernels give the same bits on buffers above 2 GiB", async () => {
    const wasm = await getBackend("wasm");
    const hogs: Buffer<Float64Array>[] = [];
    try {
      // memory grown past 2 GiB from outside the allocator: address space only, never touched
      const pages = Math.ceil((2 ** 31 + 2 ** 26 - wasm.memoryBytes()) / 65536);
      if (pages > 0) wasm.memory!.grow(pages);
      // then the allocator's free space below, large blocks first (until their data lands
      // above) and small ones last (until the array object itself does), so that every new
      // buffer comes from the pages it adds above
      for (const size of [2 ** 17, 2 ** 10, 2 ** 4, 1]) {
        for (;;) {
          const b = wasm.f64(size);
          hogs.push(b);
          if ((size > 1 ? b.view.byteOffset : (b.handle as number)) > 2 ** 31) break;
        }
      }
      const t = gaussianMixture({ ...spec, backend: "wasm" });
      const reference = gaussianMixture({ ...spec, backend: "js" });
      const probe = new Evaluator(wasm, t);
      expect(probe.descriptor as number).toBeGreaterThan(2 ** 31);
      probe.dispose();
      const x = points.subarray(0, 2000);
      expect(t.logDensityBatch(x)).toEqual(reference.logDensityBatch(x));
      expect(t.gradLogDensityBatch(x)).toEqual(reference.gradLogDensityBatch(x));
      expect(t.responsibilities(x)).toEqual(reference.responsibilities(x));
      // an exact value: N(0, I) in 2-D at the origin has log density -log(2 pi)
      expect(gaussian({ mean: [0, 0], covariance: 1, backend: "wasm" }).logDensity([0, 0])).toBeCloseTo(-Math.log(2 * Math.PI), 15);
      const a = [[3, 1, 0], [1, 2, 1], [0, 1, 4]];
      const [w, j] = [await svd(a, { backend: "wasm" }), await svd(a, { backend: "js" })];
      expect(w).toEqual(j);
      // a second call after the first still works (the signed-address bug failed every call until GC)
      expect(t.logDensityBatch(x)).toEqual(reference.logDensityBatch(x));
    } finally {
      for (const h of hogs) wasm.free(h);
    }
  });

  test("a custom logDensity that grows WASM memory (detaching views) leaves the fit's KL as on JS, bit for bit", async () => {
    const wasm = await getBackend("wasm");
    const t = gaussianMixture(spec);
    // labelSwitchingPosterior's logDensity allocates in WASM: mfvi's exact KL read stale points (644.78 against 476.13)
    const growing = customTarget({ dim: 2, logDensity: (p, out) => (wasm.memory!.grow(1), t.logDensityBatch(p, out)) });
    // 128 cells and 3 nodes per axis: 384^2 points, three batches of the KL
    const o = { gridSize: 128, maxSweeps: 3 };
    const [w, j] = [await mfvi(growing, { ...o, backend: "wasm" }), await mfvi(growing, { ...o, backend: "js" })];
    expect(w.kl).toBe(j.kl);
    expect(Array.from(w.trace)).toEqual(Array.from(j.trace));
  });
});
