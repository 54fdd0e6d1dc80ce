// Property-based tests (fast-check) over the public functions on both backends. Valid inputs
// keep their invariants and give the same bits on WASM and JS; malformed inputs give a
// TypeError / RangeError of the form "<argument> must be <rule>; got <value>", and the next
// valid call gives the same bits as before. Fits are kept small (d <= 3, few sweeps).
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import { componentMass, customTarget, gaussian, gaussianMfvi, gaussianMixture, lmc, marginalCdf, marginalW1, mfvi, nearestOrthogonal, principalAxes, ready, rovi, svd, type Approximation } from "../src/index.js";
import { columnsOrthonormal, orthogonalityError } from "./helpers.js";

// A fixed seed: the same cases every run (change it locally to explore others).
fc.configureGlobal({ seed: 15 });

const backends = ["wasm", "js"] as const;
type BackendName = (typeof backends)[number];

beforeAll(async () => {
  await ready("wasm");
});

const entry = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });
/** A rows x cols matrix (nested), entries scaled by 2^e so that huge and tiny ones occur. */
const matrixArb = (square: boolean) =>
  fc
    .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: -900, max: 900 }))
    .chain(([m, n, e]) => fc.array(fc.array(entry, { minLength: square ? m : n, maxLength: square ? m : n }), { minLength: m, maxLength: m }).map((rows) => rows.map((r) => r.map((x) => x * 2 ** e))));

/** svd(a) on both backends: the same result, orthonormal U and V, S sorted and >= 0, A = U S V^T. */
async function expectSvdInvariants(a: number[][]): Promise<void> {
  const [w, j] = [await svd(a, { backend: "wasm" }), await svd(a, { backend: "js" })];
  expect(w).toEqual(j);
  const { rows, cols, k, U, S, V } = w;
  expect(columnsOrthonormal(U, rows, k)).toBeLessThan(1e-13);
  expect(columnsOrthonormal(V, cols, k)).toBeLessThan(1e-13);
  for (let i = 0; i < k; i++) expect(S[i] >= 0 && (i === 0 || S[i] <= S[i - 1])).toBe(true);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += U[r * k + i] * S[i] * V[c * k + i];
      expect(Math.abs(s - a[r][c])).toBeLessThanOrEqual(1e-12 * S[0]);
    }
}

describe("valid inputs keep their invariants, with the same bits on both backends", () => {
  test("svd: orthonormal U and V, S descending and >= 0, A = U S V^T", async () => {
    await fc.assert(
      fc.asyncProperty(matrixArb(false), async (a) => {
        await expectSvdInvariants(a);
      }),
      { numRuns: 100 },
    );
  });

  // The Jacobi sweep takes rows two at a time, row i + 1 one step behind row i, a pair that
  // does not rotate passing through its partner's pass unchanged: sizes past the first few
  // steps of that schedule (odd and even), with rows repeated (exactly dependent: pairs that
  // stop rotating early), zero and far smaller than the rest (numerically zero rows).
  const structuredArb = fc
    .tuple(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 24 }))
    .chain(([m, n]) =>
      fc.tuple(
        fc.array(fc.array(entry, { minLength: n, maxLength: n }), { minLength: m, maxLength: m }),
        fc.array(fc.constantFrom("keep", "repeat", "zero", "tiny"), { minLength: m, maxLength: m }),
      ),
    )
    .map(([rows, kinds]) => rows.map((r, i) => (kinds[i] === "repeat" && i > 0 ? rows[i - 1] : kinds[i] === "zero" ? r.map(() => 0) : kinds[i] === "tiny" ? r.map((x) => x * 2 ** -700) : r)));

  test("svd of structured matrices up to 24 x 24: the invariants and the same bits on both backends", async () => {
    await fc.assert(
      fc.asyncProperty(structuredArb, async (a) => {
        await expectSvdInvariants(a);
      }),
      { numRuns: 60 },
    );
  });

  test("nearestOrthogonal and principalAxes give orthogonal matrices", async () => {
    await fc.assert(
      fc.asyncProperty(matrixArb(true), async (a) => {
        const n = a.length;
        const [w, j] = [await nearestOrthogonal(a, { backend: "wasm" }), await nearestOrthogonal(a, { backend: "js" })];
        expect(w).toEqual(j);
        expect(orthogonalityError(w.Q, n)).toBeLessThan(1e-13);
        const draws = Float64Array.from(a.flat().concat(a.flat().map((x, i) => -x + i)));
        const axes = await principalAxes(draws, n, { backend: "wasm" });
        expect(axes).toEqual(await principalAxes(draws, n, { backend: "js" }));
        expect(orthogonalityError(axes, n)).toBeLessThan(1e-13);
      }),
      { numRuns: 100 },
    );
  });

  const mixtureArb = fc.integer({ min: 1, max: 3 }).chain((d) =>
    fc.record({
      d: fc.constant(d),
      weights: fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }),
      means: fc.array(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: d, maxLength: d }), { minLength: 3, maxLength: 3 }),
      variances: fc.array(fc.array(fc.double({ min: 0.1, max: 4, noNaN: true }), { minLength: d, maxLength: d }), { minLength: 3, maxLength: 3 }),
      points: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 3 * d, maxLength: 3 * d }),
    }),
  );
  interface MixtureCase {
    d: number;
    weights: number[];
    means: number[][];
    variances: number[][];
    points: number[];
  }
  const build = (m: MixtureCase, backend: BackendName) => {
    const K = m.weights.length;
    const sum = m.weights.reduce((a, b) => a + b, 0);
    return gaussianMixture({ weights: m.weights.map((w) => w / sum), means: m.means.slice(0, K), covariances: m.variances.slice(0, K).map((v) => (m.d === 1 ? v[0] : v)), backend });
  };

  test("mixtures: responsibilities and component masses sum to 1, marginal CDFs rise from 0 to 1", () => {
    fc.assert(
      fc.property(mixtureArb, (m) => {
        const [w, j] = [build(m, "wasm"), build(m, "js")];
        const x = Float64Array.from(m.points);
        expect(w.logDensityBatch(x)).toEqual(j.logDensityBatch(x));
        expect(w.gradLogDensityBatch(x)).toEqual(j.gradLogDensityBatch(x));
        const K = w.components.length;
        const r = w.responsibilities(x);
        for (let p = 0; p < 3; p++) expect(Math.abs(r.slice(p * K, (p + 1) * K).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
        expect(Math.abs(componentMass(x, w).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
        const cdf = marginalCdf(w, m.points.slice(0, m.d).map((v, i) => v + (i === 0 ? 11 : 0)));
        const ts = [-Infinity, ...m.points.slice().sort((a, b) => a - b), Infinity];
        const values = ts.map(cdf);
        expect(values[0]).toBe(0);
        expect(values[values.length - 1]).toBeCloseTo(1, 15); // the weights' sum, to rounding
        for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
      }),
      { numRuns: 100 },
    );
  });

  test("mfvi: factors are normalised, draws and KL have the same bits on both backends", async () => {
    await fc.assert(
      fc.asyncProperty(mixtureArb, fc.integer({ min: 0, max: 2 ** 40 }), async (m, seed) => {
        const fit = (backend: BackendName) => mfvi(build(m, backend), { backend, seed, gridSize: 16, maxSweeps: 3, klSamples: 256, samples: 16 });
        const [w, j] = [await fit("wasm"), await fit("js")];
        expect(w.kl).toBe(j.kl);
        for (const g of w.marginals) expect(Math.abs(g.mass.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
        expect(w.marginals.map((g) => g.mass)).toEqual(j.marginals.map((g) => g.mass));
        expect(w.sample(4, { seed })).toEqual(j.sample(4, { seed }));
      }),
      { numRuns: 15 },
    );
  });
});

// ---- malformed inputs

/** Values that are wrong for most arguments; each argument below says which of them it does accept. */
const bad = fc.oneof(
  fc.constantFrom<unknown>(null, NaN, Infinity, -Infinity, -0, 1e308, -1e308, 2 ** 53, 2 ** 31, "", "wasm ", true, false, [], {}, [NaN], () => 1, new Float64Array(0), { aborted: "no" }, { bogus: 1 }),
  fc.bigInt(),
  fc.string({ maxLength: 4 }),
  fc.integer({ min: -1e6, max: 0 }),
  fc.double(),
  fc.array(fc.oneof(fc.double(), fc.string({ maxLength: 2 })), { maxLength: 4 }),
  fc.float64Array({ maxLength: 5 }),
);

const isInt = (lo: number, hi: number) => (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
const isPositive = (v: unknown) => typeof v === "number" && v > 0 && Number.isFinite(v);
const none = () => false;
const finiteVector = (n: number) => (v: unknown) =>
  (Array.isArray(v) || v instanceof Float64Array) && v.length === n && Array.from(v as ArrayLike<unknown>).every((x) => typeof x === "number" && Number.isFinite(x));
const finiteArray = (v: unknown) =>
  (Array.isArray(v) || v instanceof Float64Array) && v.length > 0 && Array.from(v as ArrayLike<unknown>).every((x) => typeof x === "number" && Number.isFinite(x));
const flatSquare = (v: unknown) => finiteArray(v) && Number.isInteger(Math.sqrt((v as number[]).length));
/** A covariance gaussian() takes in 2-D: a variance, 2 variances, or a flat 2 x 2 SPD matrix. */
const spdOrVariances = (v: unknown) => {
  if (isPositive(v)) return true;
  if (!Array.isArray(v) && !(v instanceof Float64Array) && !(v instanceof Float32Array)) return false;
  const a = Array.from(v as ArrayLike<unknown>);
  if (a.length === 2) return a.every(isPositive);
  return a.length === 4 && v instanceof Float64Array && isPositive(a[0]) && isPositive(a[3]) && a[1] === a[2] && (a[1] as number) ** 2 < (a[0] as number) * (a[3] as number);
};
const nonZero2 = (v: unknown) => finiteVector(2)(v) && Array.from(v as number[]).some((x) => x !== 0);
const emptyObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && Object.keys(v).length === 0;

const mix = (backend: BackendName) => gaussianMixture({ weights: [0.4, 0.6], means: [[-1, 0], [1, 0.5]], covariances: [1, [2, 0.5]], backend });
const draws = Float64Array.of(1, 0, -1, 0, 0, 0.5, 0, -0.5, 0.3, 0.2);

/** Bits of a few valid calls on one backend. */
async function fingerprint(backend: BackendName, q: Approximation): Promise<string> {
  const t = mix(backend);
  const parts = [
    t.gradLogDensityBatch(Float64Array.of(0.1, 0.2, -3, 1)),
    (await svd([[3, 1], [1, 2]], { backend })).U,
    q.sample(3, { seed: 5 }),
    Float64Array.of(marginalW1(draws, t, [1, 2])),
  ];
  return parts.map((p) => Array.from(p, (x) => x.toString(36)).join(",")).join("|");
}

/** [label, argument name, the call with a value in that argument, what it accepts] */
type Slot = [string, string, (v: unknown) => unknown, (v: unknown) => boolean];

function slots(backend: BackendName, q: Approximation): Slot[] {
  const t = mix(backend);
  const fitOpts = { backend, maxSweeps: 2, gridSize: 16 };
  const small = { ...fitOpts, temper: false, rotationSamples: 32 };
  const custom = { dim: 2, logDensity: () => {} };
  return [
    ["gaussian", "mean", (v) => gaussian({ mean: v as never, covariance: 1, backend }), (v) => finiteArray(v) || v instanceof Float32Array],
    ["gaussian", "covariance", (v) => gaussian({ mean: [0, 0], covariance: v as never, backend }), spdOrVariances],
    ["gaussian", "backend", (v) => gaussian({ mean: [0], covariance: 1, backend: v as never }), (v) => v === "wasm" || v === "js" || v === undefined],
    ["gaussianMixture", "weights", (v) => gaussianMixture({ weights: v as never, means: [[0]], covariances: [1] }), none],
    ["customTarget", "dim", (v) => customTarget({ ...custom, dim: v as never }), isInt(1, 1e5)],
    ["customTarget", "logDensity", (v) => customTarget({ ...custom, logDensity: v as never }), (v) => typeof v === "function"],
    ["logDensity", "x", (v) => t.logDensity(v as never), finiteVector(2)],
    ["logDensityBatch", "points", (v) => t.logDensityBatch(v as never), (v) => v instanceof Float64Array && v.length > 0 && v.length % 2 === 0 && v.every(Number.isFinite)],
    ["responsibilities", "points", (v) => t.responsibilities(v as never), (v) => v instanceof Float64Array && v.length > 0 && v.length % 2 === 0 && v.every(Number.isFinite)],
    ["mfvi", "options", (v) => mfvi(t, v as never), (v) => v === undefined || emptyObject(v)],
    ["mfvi", "seed", (v) => mfvi(t, { ...fitOpts, seed: v as never }), isInt(0, 2 ** 53 - 1)],
    ["mfvi", "gridSize", (v) => mfvi(t, { ...fitOpts, gridSize: v as never }), isInt(16, 256)],
    ["mfvi", "tol", (v) => mfvi(t, { ...fitOpts, tol: v as never }), isPositive],
    ["mfvi", "signal", (v) => mfvi(t, { ...fitOpts, signal: v as never }), none],
    ["mfvi", "onProgress", (v) => mfvi(t, { ...fitOpts, onProgress: v as never }), (v) => typeof v === "function"],
    ["rovi", "restarts", (v) => rovi(t, { ...small, restarts: v as never }), isInt(1, 2)],
    ["rovi", "temper", (v) => rovi(t, { ...small, temper: v as never }), (v) => typeof v === "boolean" || emptyObject(v)],
    ["rovi", "rotationInit", (v) => rovi(t, { ...small, rotationInit: v as never }), none],
    ["lmc", "step", (v) => lmc(t, { backend, steps: 4, chains: 2, step: v as never }), isPositive],
    ["lmc", "chains", (v) => lmc(t, { backend, steps: 4, step: 0.1, chains: v as never }), isInt(1, 100)],
    ["gaussianMfvi", "learningRate", (v) => gaussianMfvi(t, { backend, iterations: 4, learningRate: v as never }), isPositive],
    ["svd", "matrix", (v) => svd(v as never, { backend }), flatSquare],
    ["svd", "rows", (v) => svd([1, 2, 3, 4], { backend, rows: v as never }), (v) => v === 1 || v === 2 || v === 4],
    ["nearestOrthogonal", "options", (v) => nearestOrthogonal([[1]], v as never), (v) => v === undefined || emptyObject(v)],
    ["principalAxes", "dim", (v) => principalAxes(draws, v as never, { backend }), (v) => v === 1 || v === 2 || v === 5],
    ["principalAxes", "options", (v) => principalAxes(draws, 2, v as never), (v) => v === undefined || emptyObject(v)],
    ["componentMass", "samples", (v) => componentMass(q, t, { samples: v as never }), isInt(1, 1e6)],
    ["marginalW1", "direction", (v) => marginalW1(draws, t, v as never), nonZero2],
    ["marginalW1", "seed", (v) => marginalW1(q, t, [1, 0], { seed: v as never }), isInt(0, 2 ** 53 - 1)],
    ["marginalCdf", "direction", (v) => marginalCdf(t, v as never), nonZero2],
    ["marginalCdf", "t", (v) => marginalCdf(t, [1, 0])(v as never), (v) => typeof v === "number" && !Number.isNaN(v)],
    ["sample", "n", (v) => q.sample(v as never), isInt(1, 1e6)],
    ["sample", "stratified", (v) => q.sample(2, { stratified: v as never }), (v) => typeof v === "boolean"],
    ["logDensity (approximation)", "points", (v) => q.logDensity(v as never), (v) => v instanceof Float64Array && v.length > 0 && v.length % 2 === 0 && v.every(Number.isFinite)],
    ["ready", "backend", (v) => ready(v as never), (v) => v === "wasm" || v === "js" || v === undefined],
  ];
}

const CLEAR = /^(\S+) must be [^]+; got [^]+$/;

describe.each(backends)("malformed inputs on %s: clear errors, same bits afterwards", (backend) => {
  let q: Approximation;
  let before: string;
  beforeAll(async () => {
    q = await mfvi(mix(backend), { backend, gridSize: 16, maxSweeps: 3 });
    before = await fingerprint(backend, q);
  });

  test("every argument", async () => {
    for (const [label, name, call, accepts] of slots(backend, q)) {
      await fc.assert(
        fc.asyncProperty(bad, async (v) => {
          fc.pre(!accepts(v));
          let error: unknown = null;
          try {
            await call(v);
          } catch (e) {
            error = e;
          }
          const where = `${label}(${name} = ${fc.stringify(v)})`;
          expect(error instanceof TypeError || error instanceof RangeError, `${where} threw ${String(error)}`).toBe(true);
          const message = (error as Error).message;
          expect(message, where).toMatch(CLEAR);
          expect(message.match(CLEAR)![1], where).toContain(name);
        }),
        { numRuns: 100 },
      );
    }
    expect(await fingerprint(backend, q)).toBe(before);
  });
});
