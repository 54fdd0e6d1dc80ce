// The histogram kernels of assembly/histogram.ts that have a row form: quantileRow (two searches
// interleaved) gives quantile's bits, element by element, on both backends, in place and into
// another row.
import { describe, expect, test } from "vitest";
import { getBackend, type Backend } from "../src/backend.js";

const backends: Backend[] = await Promise.all([getBackend("wasm"), getBackend("js")]);

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

describe.each(backends.map((b) => [b.name, b] as const))("%s backend", (_, backend) => {
  const k = backend.kernels as unknown as Record<string, (...args: number[]) => number>;

  test.each([1, 2, 3, 5, 256])("quantileRow on G = %i cells (some empty) is quantile at each u, lengths 0 to 9, in place and into another row", (G) => {
    const rand = lcg(G);
    // edges at x[2 ..], cumulative masses at cum[3 ..] (offsets off 16-byte alignment)
    const x = backend.f64(G + 3);
    const cum = backend.f64(G + 4);
    for (let i = 0; i <= G; i++) x.view[2 + i] = -3 + 6 * (i / G) + 0.01 * rand();
    const p = Array.from({ length: G }, (_, i) => (i % 3 === 1 || i === G - 1 ? 0 : rand()));
    if (!p.some((m) => m !== 0)) p[0] = 1; // some(), not every(): tsc takes every()'s predicate as a type guard (p: 0[])
    const pb = backend.f64(G);
    pb.view.set(p.map((m) => m / p.reduce((a, b) => a + b, 0)));
    k.cumulate(pb.handle as number, 0, G, cum.handle as number, 3);
    const edge = [0, 1 - 2 ** -53, 1, cum.view[3 + (G >> 1)], cum.view[4]];
    for (let len = 0; len <= 9; len++) {
      const us = Array.from({ length: len }, (_, j) => (j < edge.length && len > 5 ? edge[j] : rand()));
      const u = backend.f64(len + 1);
      u.view.set(us, 1);
      // into another row from out[2], the entries around it left alone; then in place
      const out = backend.f64(len + 3);
      out.view.fill(7);
      k.quantileRow(cum.handle as number, 3, G, x.handle as number, 2, u.handle as number, 1, len, out.handle as number, 2);
      k.quantileRow(cum.handle as number, 3, G, x.handle as number, 2, u.handle as number, 1, len, u.handle as number, 1);
      for (let j = 0; j < len; j++) {
        const q = k.quantile(cum.handle as number, 3, G, x.handle as number, 2, us[j]);
        expect(u.view[1 + j]).toBe(q);
        expect(out.view[2 + j]).toBe(q);
      }
      expect([out.view[0], out.view[1], out.view[2 + len]]).toEqual([7, 7, 7]);
    }
  });
});
