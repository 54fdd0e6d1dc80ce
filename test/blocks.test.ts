// The blocked kernels of assembly/blocks.ts (several points per pass, two per SIMD lane pair)
// give the bits of the one-point-at-a-time code, on both backends, and the backends agree.
import { describe, expect, test } from "vitest";
import { getBackend, type Backend } from "../src/backend.js";

const backends: Backend[] = await Promise.all([getBackend("wasm"), getBackend("js")]);

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}

/** A descriptor (assembly/descriptor.ts layout) of a random mixture, set up by the kernel. */
function descriptor(backend: Backend, full: boolean, d: number, K: number, seed: number) {
  const k = backend.kernels;
  const kind = full ? 1 : 2;
  const rand = lcg(seed);
  const t = backend.f64(k.mixtureLength(kind, d, K));
  const v = t.view;
  v[0] = kind;
  v[1] = d;
  v[2] = K;
  for (let c = 0; c < K; c++) v[8 + c] = Math.log((1 + c) / ((K * (K + 1)) / 2));
  for (let c = 0; c < K * d; c++) v[8 + K + c] = 3 * rand();
  const fo = 8 + K + K * d;
  for (let c = 0; c < K; c++) {
    if (full) {
      const a = Array.from({ length: d }, () => Array.from({ length: d }, rand));
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) v[fo + c * d * d + i * d + j] = a[i].reduce((s, x, p) => s + x * a[j][p], 0) / d + (i === j ? 0.3 : 0);
    } else {
      for (let i = 0; i < d; i++) v[fo + c * d + i] = 0.2 + rand() ** 2;
    }
  }
  expect(k.mixtureSetup(t.handle)).toBe(-1);
  return t;
}

describe.each([
  [true, 1, 1],
  [true, 2, 2],
  [true, 3, 8],
  [true, 10, 8],
  [false, 2, 3],
  [false, 10, 8],
])("full %s, d = %i, K = %i", (full, d, K) => {
  // 4 m + 3 points: blocks and a tail; some far out (every component's term below -40 but
  // one's, or all below exp's underflow), one at infinity, one NaN
  const n = 43;
  const rand = lcg(d * 100 + K);
  const xs = Array.from({ length: n * d }, (_, i) => (i < 20 * d ? 4 : i < 35 * d ? 30 : 400) * rand());
  xs[37 * d] = Infinity;
  xs[40 * d + d - 1] = NaN;
  const results: Float64Array[] = [];

  test.each(backends.map((b) => [b.name, b] as const))("%s: blocked mixtureLogDensity has the bits of the per-point one", (_, backend) => {
    const k = backend.kernels;
    const t = descriptor(backend, full, d, K, 7 + d + K);
    const points = backend.f64(n * d);
    points.view.set(xs);
    const outs = [K + d, k.mixtureDensityWork(d, K)].map((w) => {
      const out = backend.f64(n);
      const work = backend.f64(w);
      k.mixtureLogDensity(t.handle, points.handle, n, out.handle, work.handle);
      return Float64Array.from(out.view);
    });
    expect(k.mixtureDensityWork(d, K)).toBeGreaterThan(K + d);
    expect(outs[0].some(Number.isNaN)).toBe(true);
    expect(outs[0].filter(Number.isFinite).length).toBeGreaterThan(30);
    expect(outs[1]).toEqual(outs[0]);
    results.push(outs[1]);
  });

  test("WASM and JS are bit-identical", () => {
    expect(results.length).toBe(2);
    expect(results[0]).toEqual(results[1]);
  });
});
