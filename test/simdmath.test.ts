// The SIMD exp and log1p of assembly/simdmath.ts (two f64x2 lanes, with a scalar fallback per
// lane) return exactly the bits of the scalar fdlibm ports in assembly/math.ts, on both
// backends, with every input in either lane, next to a common or a rare neighbour, and in the
// scalar tail of an odd-length row. So do the log-sum-exps built on them (the general loop and
// the two-term one, in registers) and MFVI's mixture line that feeds them.
import { describe, expect, test } from "vitest";
import { getBackend, type Backend } from "../src/backend.js";

const backends: Backend[] = await Promise.all([getBackend("wasm"), getBackend("js")]);

const view = new DataView(new ArrayBuffer(8));
const fromWords = (hi: number, lo = 0) => {
  view.setUint32(0, hi >>> 0);
  view.setUint32(4, lo >>> 0);
  return view.getFloat64(0);
};
const bitsOf = (x: number) => {
  view.setFloat64(0, x);
  return view.getBigUint64(0);
};
const fromBits = (b: bigint) => {
  view.setBigUint64(0, BigInt.asUintN(64, b));
  return view.getFloat64(0);
};
/** x and its neighbours on the line of doubles, two steps each way (for x > 0). */
const around = (x: number) => [-2n, -1n, 0n, 1n, 2n].map((s) => fromBits(bitsOf(x) + s));

/** A deterministic generator of 32-bit words (xorshift32). */
function words(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** Inputs both functions must meet: IEEE specials, and every threshold of either port's branches, +-. */
function specials(): number[] {
  const hiThresholds = [
    0x3fd62e42, 0x3fd62e43, 0x3ff0a2b2, 0x3e300000, 0x40862e42, // exp: 0.5 ln2, 1.5 ln2, 2^-28, 709.78
    0x3fda827a, 0x3e200000, 0x3c900000, 0x43400000, 0x3ff00000, 0x3fd2bec3, 0x3fd2bec4, // log1p
  ];
  const xs = [0, -0, Infinity, -Infinity, NaN, fromWords(0xfff80000), fromWords(0x7ff00000, 1), fromWords(0xfff00000, 1)];
  xs.push(Number.MIN_VALUE, fromWords(0x000fffff, 0xffffffff), fromWords(0x00100000), Number.MAX_VALUE, 2 ** -1074 * 12345);
  for (const hi of hiThresholds) xs.push(...around(fromWords(hi)));
  xs.push(...around(7.09782712893383973096e2), ...around(7.45133219101941108420e2), ...around(707), ...around(708.3964185322641));
  xs.push(...around(40), ...around(1021 * Math.LN2), ...around(1022 * Math.LN2), ...around(1023 * Math.LN2));
  // log1p: 1 + x at a power of two, at sqrt(2) 2^k, and where the mantissa of 1 + x is within 2^-20 of it
  for (let k = -3; k <= 54; k++) {
    for (const u of [2 ** k, Math.SQRT2 * 2 ** k, fromWords(0x3ff6a09e) * 2 ** k, fromWords(0x3ff00001) * 2 ** k, fromWords(0x3ffffffd) * 2 ** k]) {
      xs.push(...around(u - 1));
      xs.push(...around(u));
    }
  }
  for (let k = -1075; k <= 1024; k += 7) xs.push(2 ** k, 1.5 * 2 ** k);
  for (let i = -800; i <= 800; i++) xs.push(i, i + 0.5, i * Math.LN2, (i + 0.5) * Math.LN2);
  return [...xs, ...xs.map((x) => -x)];
}

/** Random inputs: every bit pattern, log-uniform magnitudes, and the ranges the kernels feed in. */
function randoms(seed: number, n: number): number[] {
  const next = words(seed);
  const unit = () => next() / 2 ** 32;
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    xs.push(fromWords(next(), next())); // any double, NaNs and subnormals included
    xs.push((unit() < 0.5 ? -1 : 1) * 2 ** (unit() * 2148 - 1075)); // log-uniform over all magnitudes
    xs.push(-40 * unit(), 8 * unit(), -760 + 1480 * unit(), unit() * 2 ** -20);
  }
  return xs;
}

const INPUTS = [...specials(), ...randoms(12, 30000)];

/** The row function on xs (in lanes from `offset`), element by element against the scalar one. */
function mismatches(backend: Backend, row: "expRow" | "log1pRow", scalar: "exp" | "log1p", xs: number[], offset: number): string[] {
  const n = xs.length;
  const x = backend.f64(n + offset);
  const out = backend.f64(n + offset);
  try {
    x.view.set(xs, offset);
    if (row === "expRow") backend.kernels.expRow(x.handle, offset, 0, out.handle, offset, n);
    else backend.kernels.log1pRow(x.handle, offset, out.handle, offset, n);
    const bad: string[] = [];
    const got = out.view.slice(offset, offset + n);
    for (let i = 0; i < n; i++) {
      const want = backend.kernels[scalar](xs[i]);
      const same = Number.isNaN(want) ? Number.isNaN(got[i]) : bitsOf(got[i]) === bitsOf(want);
      if (!same && bad.length < 10) bad.push(`${scalar}(${xs[i]}) = ${want}, lane ${i & 1}: ${got[i]}`);
    }
    return bad;
  } finally {
    backend.free(x);
    backend.free(out);
  }
}

describe.each(backends.map((b) => [b.name, b] as const))("%s", (_, backend) => {
  for (const [row, scalar] of [["expRow", "exp"], ["log1pRow", "log1p"]] as const) {
    test(`${row} has the bits of ${scalar}, on ${INPUTS.length} inputs in both lanes and the tail`, () => {
      expect(INPUTS.length).toBeGreaterThan(150000);
      // shifted by one element, every input moves to the other lane and meets other neighbours
      expect(mismatches(backend, row, scalar, INPUTS, 0)).toEqual([]);
      expect(mismatches(backend, row, scalar, INPUTS.slice(1), 1)).toEqual([]);
      expect(mismatches(backend, row, scalar, [...INPUTS].reverse(), 0)).toEqual([]);
    });
  }

  test("expRow subtracts its shift first: exp(x - shift)", () => {
    const xs = [0, 1, -3.5, 700, -Infinity, NaN, 1e-300];
    const x = backend.f64(xs.length);
    const out = backend.f64(xs.length);
    x.view.set(xs);
    backend.kernels.expRow(x.handle, 0, 2.25, out.handle, 0, xs.length);
    expect(Array.from(out.view)).toEqual(xs.map((v) => backend.kernels.exp(v - 2.25)));
    backend.free(x);
    backend.free(out);
  });
});

test("the scalar ports give the same bits on both backends (so the rows do too)", () => {
  const [wasm, js] = backends;
  for (const f of ["exp", "log1p"] as const) {
    let bad = 0;
    for (const x of INPUTS) {
      const a = wasm.kernels[f](x);
      const b = js.kernels[f](x);
      if (!(Number.isNaN(a) ? Number.isNaN(b) : bitsOf(a) === bitsOf(b))) bad++;
    }
    expect(bad, f).toBe(0);
  }
});

/**
 * Columns of K log terms (row k at k stride): the first row from the inputs above, the others
 * at gaps from it that meet every branch of a log-sum-exp: ties, the -40 cut and its
 * neighbours, gaps that overflow, infinite and NaN terms.
 */
function termTable(K: number, n: number, seed: number): { v: number[]; stride: number } {
  const next = words(seed);
  // ties and near-ties (below 3 2^-20 the log1p of the sum takes fdlibm's short series)
  const ties = [0, -0, 1e-300, 2 ** -21, -(2 ** -21), 3 * 2 ** -20, 2 ** -35, -(2 ** -52)];
  const gaps = [...ties, ...around(40), ...around(40).map((g) => -g), 39.5, -745.5, 1e308, -1e308, Infinity, -Infinity, NaN, 3, -7];
  const first = [...specials(), ...randoms(seed, 2000)].filter((_, i) => i % 3 === 0);
  const stride = n + 1;
  const v = new Array<number>(K * stride).fill(0);
  for (let j = 0; j < n; j++) {
    const x = first[next() % first.length];
    v[j] = next() % 4 === 0 ? -40 * (next() / 2 ** 32) : x;
    for (let k = 1; k < K; k++) v[k * stride + j] = next() % 3 === 0 ? first[next() % first.length] : v[j] + gaps[next() % gaps.length];
  }
  return { v, stride };
}

describe.each(backends.map((b) => [b.name, b] as const))("%s: log-sum-exps", (_, backend) => {
  test.each([1, 2, 3, 5])("K = %i: logSumExpColumns has the bits of the scalar logSumExpStrided, column by column", (K) => {
    const n = 4001; // odd: a scalar tail
    const { v, stride } = termTable(K, n, 7 + K);
    const table = backend.f64(K * stride);
    const out = backend.f64(n + 1);
    try {
      table.view.set(v);
      for (const shift of [0, 1]) {
        // shifted by one column, every column moves to the other lane
        backend.kernels.logSumExpColumns(table.handle, shift, stride, K, out.handle, 0, n - shift);
        const got = out.view.slice(0, n - shift);
        const bad = Array.from(got).filter((r, j) => {
          const want = backend.kernels.logSumExpStrided(table.handle, j + shift, stride, K);
          return !(Number.isNaN(want) ? Number.isNaN(r) : bitsOf(r) === bitsOf(want));
        });
        expect(bad).toEqual([]);
        expect(got.filter(Number.isFinite).length).toBeGreaterThan(n / 3);
      }
    } finally {
      backend.free(table);
      backend.free(out);
    }
  });
});

test.each([
  [1, false],
  [2, false],
  [2, true],
  [3, true],
])("lineExpectation, K = %i (ties %s): the same bits on both backends", (K, ties) => {
  // log terms c_k - (a_k + t (2 b_k + t c_k)) / 2 at G points t, far out and at ties included
  const G = 257;
  const next = words(40 + K);
  const unit = () => next() / 2 ** 32 - 0.5;
  const abc = Array.from({ length: 3 * K }, (_, i) => (i % 3 === 2 ? 0.5 + Math.abs(unit()) : 6 * unit()));
  const ct = Array.from({ length: K }, (_, k) => Math.log((k + 1) / K));
  const ts = Array.from({ length: G }, (_, g) => (g % 17 === 0 ? 1e3 * unit() : 20 * unit()));
  ts[5] = Infinity;
  ts[8] = NaN;
  if (ties) abc.splice(3, 3, ...abc.slice(0, 3)); // components 0 and 1 equal: ties at every t
  const runs = backends.map((backend) => {
    const a = backend.f64(5 * K);
    const c = backend.f64(K);
    const t = backend.f64(G);
    const e = backend.f64(G);
    a.view.set(abc);
    c.view.set(ct);
    t.view.set(ts);
    e.view.set(ts.map((_, g) => g / G));
    backend.kernels.lineExpectation(a.handle, 0, K, c.handle, 0, t.handle, 0, G, 0.375, e.handle, 0);
    return Array.from(e.view, (x) => (Number.isNaN(x) ? "NaN" : bitsOf(x).toString(16)));
  });
  expect(runs[0]).toEqual(runs[1]);
  expect(runs[0].filter((x) => x === "NaN").length).toBeGreaterThan(0);
});
