// The blocked kernels of assembly/blocks.ts and the blocked mixture gradient (several points
// per pass, two per SIMD lane pair) give the bits of the one-point-at-a-time code, on both
// backends, and the backends agree.
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
  const results: Float64Array[][] = [];

  /** Runs the kernel with each work length; its outputs (copied out) by work length. */
  function byWork(backend: Backend, works: number[], outputs: number[], kernel: (t: number, p: number, outs: number[], work: number) => void): Float64Array[][] {
    const t = descriptor(backend, full, d, K, 7 + d + K);
    const points = backend.f64(n * d);
    points.view.set(xs);
    return works.map((w) => {
      const outs = outputs.map((len) => backend.f64(len));
      kernel(t.handle as number, points.handle as number, outs.map((o) => o.handle as number), backend.f64(w).handle as number);
      return outs.map((o) => Float64Array.from(o.view));
    });
  }

  test.each(backends.map((b) => [b.name, b] as const))("%s: blocked mixtureLogDensity has the bits of the per-point one", (_, backend) => {
    const k = backend.kernels;
    const [[one], [blocked]] = byWork(backend, [K + d, k.mixtureDensityWork(d, K)], [n], (t, p, [out], w) => k.mixtureLogDensity(t, p, n, out, w));
    expect(k.mixtureDensityWork(d, K)).toBeGreaterThan(K + d);
    expect(one.some(Number.isNaN)).toBe(true);
    expect(one.filter(Number.isFinite).length).toBeGreaterThan(30);
    expect(blocked).toEqual(one);
    results.push([blocked]);
  });

  test.each(backends.map((b) => [b.name, b] as const))("%s: blocked mixtureGradLogDensity has the bits of the per-point one", (_, backend) => {
    const k = backend.kernels;
    // one point per pass, 3 per pass (a short work buffer), GRAD_BLOCK per pass
    const works = [K + K * d, 3 * K * (1 + d), k.mixtureGradWork(d, K)];
    const [one, ...blocked] = byWork(backend, works, [n, n * d], (t, p, [logp, grad], w) => k.mixtureGradLogDensity(t, p, n, logp, grad, w));
    expect(k.mixtureGradWork(d, K)).toBeGreaterThan(3 * K * (1 + d));
    expect(one[1].some(Number.isNaN)).toBe(true);
    expect(one[1].filter(Number.isFinite).length).toBeGreaterThan(30 * d);
    for (const b of blocked) expect(b).toEqual(one);
    results.push(blocked[1]);
  });

  test("WASM and JS are bit-identical", () => {
    // density on WASM, then JS; gradient on WASM, then JS
    expect(results.length).toBe(4);
    expect(results[0]).toEqual(results[1]);
    expect(results[2]).toEqual(results[3]);
  });
});
