// The mode-collapse check: the paper's facts (docs/algorithms.md §6) as verdicts, the mixture
// geometry against closed forms, the same report on both backends, and its option checks.
import { beforeAll, describe, expect, test } from "vitest";
import { collapseCheck, customTarget, gaussianMixture, labelSwitchingPosterior, mixtureGeometry, ready, type CollapseReport } from "../src/index.js";
import { collapseTable, collapseVerdicts } from "../src/study/collapse.js";
import { expectRejection } from "./helpers.js";

beforeAll(async () => {
  await ready("wasm");
});

const pair = (a: number[], b: number[], weights = [0.5, 0.5]) => gaussianMixture({ weights, means: [a, b], covariances: [1, 1] });
const diagonal = (m: number) => pair([-m, -m], [m, m]);
const small = { gridSize: 64 };

/** The lowest-KL fit of every mode. */
const modeFits = (r: CollapseReport) => r.fits.filter((f, j) => f.fixedPoint >= 0 && r.fits.findIndex((g) => g.fixedPoint === f.fixedPoint) === j);

describe.each(["wasm", "js"] as const)("on %s", (backend) => {
  test("Figure 1, m = 3: collapsing onto each of the two components in turn", async () => {
    const r = await collapseCheck(diagonal(3), { ...small, backend });
    expect(r.collapsing).toBe(true);
    expect(r.modes).toBe(2);
    expect(r.exploration).toBe("lmc");
    // fact 2: each fixed point holds > 0.999 of one component, KL ~ log 2 (so equal shares)
    const masses = modeFits(r).map((f) => Math.max(...f.masses!));
    expect(Math.min(...masses)).toBeGreaterThan(0.999);
    expect(new Set(modeFits(r).map((f) => f.masses![0] > 0.5)).size).toBe(2);
    r.shares.forEach((s) => expect(s).toBeCloseTo(0.5, 3));
    expect(r.verdict).toMatch(/collapses.*rovi\(\)/);
    expect(r.mixture!.minorityMass).toBeLessThan(0.001);
  });

  test("Figure 1, m = 1: one fixed point with masses 1/2, 1/2 (not flagged)", async () => {
    const r = await collapseCheck(diagonal(1), { ...small, backend });
    expect(r.collapsing).toBe(false);
    expect(r.modes).toBe(1);
    expect(r.fixedPoints).toBe(1);
    for (const f of r.fits) f.masses!.forEach((m) => expect(m).toBeCloseTo(0.5, 1));
    expect(r.verdict).toMatch(/does not collapse.*mfvi\(\) is fine/);
  });

  test("an axis-aligned mixture is a product: MFVI is exact from every start (not flagged)", async () => {
    const r = await collapseCheck(pair([-3, 0], [3, 0]), { ...small, backend });
    expect(r.collapsing).toBe(false);
    expect(r.modes).toBe(1);
    for (const f of r.fits) f.masses!.forEach((m) => expect(m).toBeCloseTo(0.5, 3));
    expect(r.mixture!.angleToAxes).toBe(0);
  });

  test("unequal weights 0.8 / 0.2, well separated: the shares exp(-KL) estimate the weights (fact 3)", async () => {
    const r = await collapseCheck(pair([-4, -4], [4, 4], [0.8, 0.2]), { ...small, backend });
    expect(r.collapsing).toBe(true);
    expect(r.modes).toBe(2);
    expect(r.shares[0]).toBeCloseTo(0.8, 3);
    expect(r.shares[1]).toBeCloseTo(0.2, 3);
  });

  test("Old Faithful: the two labellings are two modes, mirror images across mu_1 = mu_2", async () => {
    const r = await collapseCheck(labelSwitchingPosterior(), { ...small, starts: 3, backend });
    expect(r.collapsing).toBe(true);
    expect(r.modes).toBe(2);
    const [a, b] = modeFits(r).map((f) => f.mean);
    expect(a[0]).toBeCloseTo(b[1], 3);
    expect(a[1]).toBeCloseTo(b[0], 3);
    expect(Math.abs(a[0] - a[1])).toBeGreaterThan(2);
    r.shares.forEach((s) => expect(s).toBeCloseTo(0.5, 3));
    expect(r.mixture).toBeUndefined();
  });

  test("a custom target without a gradient starts from box points, and is still flagged", async () => {
    const t = diagonal(3);
    const r = await collapseCheck(customTarget({ dim: 2, logDensity: (p, out) => t.logDensityBatch(p, out) }), { ...small, starts: 4, backend });
    expect(r.exploration).toBe("box");
    expect(r.collapsing).toBe(true);
    expect(r.modes).toBe(2);
  });
});

test("the same report on both backends, and again for the same seed", async () => {
  const [w, j, again] = await Promise.all([
    collapseCheck(diagonal(3), { ...small, seed: 7, backend: "wasm" }),
    collapseCheck(diagonal(3), { ...small, seed: 7, backend: "js" }),
    collapseCheck(diagonal(3), { ...small, seed: 7, backend: "wasm" }),
  ]);
  expect(j).toEqual(w);
  expect(again).toEqual(w);
});

describe("mixtureGeometry against closed forms", () => {
  test("identity covariances: BC = exp(-|m_1 - m_0|^2 / 8), separation |m_1 - m_0|, 45 and 0 degrees", () => {
    const diag = mixtureGeometry(diagonal(3), [0.5, 0.5]);
    expect(diag.bhattacharyyaOverlap).toBeCloseTo(Math.exp(-72 / 8), 15);
    expect(diag.separation).toBeCloseTo(Math.sqrt(72), 13);
    expect(diag.angleToAxes).toBeCloseTo(45, 12);
    const axis = mixtureGeometry(pair([-3, 0], [3, 0]), [0.5, 0.5]);
    expect(axis.bhattacharyyaOverlap).toBeCloseTo(Math.exp(-36 / 8), 15);
    expect(axis.angleToAxes).toBe(0);
    expect(axis.separation).toBe(6);
  });

  test("unequal diagonal covariances: a sum of the 1-D Bhattacharyya distances", () => {
    // 1-D: D_B = (mu_1 - mu_0)^2 / (4 (s0^2 + s1^2)) + (1/2) log((s0^2 + s1^2) / (2 s0 s1))
    const db = (dm: number, v0: number, v1: number) => (dm * dm) / (4 * (v0 + v1)) + 0.5 * Math.log((v0 + v1) / (2 * Math.sqrt(v0 * v1)));
    const t = gaussianMixture({ weights: [0.3, 0.7], means: [[0, 1], [2, 4]], covariances: [[1, 4], [9, 0.25]] });
    const g = mixtureGeometry(t, [0.1, 0.9]);
    expect(g.bhattacharyyaOverlap).toBeCloseTo(Math.exp(-(db(2, 1, 9) + db(3, 4, 0.25))), 14);
    expect(g.separation).toBeCloseTo(Math.sqrt((2 * 2) / 5 + (3 * 3) / 2.125), 13);
    expect(g.angleToAxes).toBeCloseTo((Math.atan2(2, 3) * 180) / Math.PI, 12);
    expect(g.minorityMass).toBe(0.1);
  });

  test("a correlated covariance: the Mahalanobis form; along (1, 1, 1) the angle is acos(1/sqrt 3)", () => {
    // S = [[2, 1], [1, 2]]: S^-1 = [[2, -1], [-1, 2]] / 3, so D = (1, 1) gives D^T S^-1 D = 2/3
    const t = gaussianMixture({ weights: [0.5, 0.5], means: [[0, 0], [1, 1]], covariances: [[[2, 1], [1, 2]], [[2, 1], [1, 2]]] });
    const g = mixtureGeometry(t, [0.5, 0.5]);
    expect(g.separation).toBeCloseTo(Math.sqrt(2 / 3), 14);
    expect(g.bhattacharyyaOverlap).toBeCloseTo(Math.exp(-2 / 3 / 8), 15);
    const cube = mixtureGeometry(pair([0, 0, 0], [1, 1, 1]), [0.5, 0.5]);
    expect(cube.angleToAxes).toBeCloseTo((Math.acos(1 / Math.sqrt(3)) * 180) / Math.PI, 12);
  });
});

describe("bad input names the argument, the rule and the value", () => {
  const t = diagonal(3);
  test.each([
    [{ starts: 1 }, RangeError, /options\.starts must be an integer in \[2, 64\]; got 1/],
    [{ starts: "6" }, TypeError, /options\.starts must be an integer; got "6"/],
    [{ massTolerance: 1 }, RangeError, /options\.massTolerance must be < 1; got 1/],
    [{ distinct: 0 }, RangeError, /options\.distinct must be > 0; got 0/],
    [{ gridSize: 8 }, RangeError, /options\.gridSize must be an integer in \[16, 65536\]; got 8/],
    [{ tol: -1 }, RangeError, /options\.tol must be positive; got -1/],
    [{ backend: "gpu" }, RangeError, /options\.backend must be one of 'wasm', 'js'; got "gpu"/],
    [{ seed: -1 }, RangeError, /options\.seed must be an integer in \[0, /],
    [{ start: 3 }, RangeError, /options\.start must be one of the known options/],
    [{ explore: { chains: 2 } }, RangeError, /options\.explore\.chains must be an integer in \[4, 4096\]; got 2/],
    [{ explore: { step: 0 } }, RangeError, /options\.explore\.step must be > 0; got 0/],
    [{ explore: { box: [[0, 1]] } }, RangeError, /options\.explore\.box must be 2 pairs, one per coordinate/],
    [{ explore: { box: [[0, 1], [2, 2]] } }, RangeError, /options\.explore\.box\[1\] must be \[lo, hi\] with lo < hi; got \[2, 2\]/],
    [{ explore: { steps: 1.5 } }, RangeError, /options\.explore\.steps must be an integer; got 1\.5/],
    [{ explore: 3 }, TypeError, /options\.explore must be an object; got 3/],
  ])("%o", async (opts, kind, message) => {
    await expectRejection(collapseCheck(t, opts as never), kind, message);
  });

  test("the target and mixtureGeometry's arguments", async () => {
    await expectRejection(collapseCheck({} as never), TypeError, /target must be a target made by/);
    const three = gaussianMixture({ weights: [0.2, 0.3, 0.5], means: [[0], [1], [2]], covariances: [1, 1, 1] });
    expect(() => mixtureGeometry(three, [0.5, 0.5])).toThrow(/mixture must be a mixture of two components; got 3 components/);
    expect(() => mixtureGeometry(t, [0.5])).toThrow(/masses must be of length 2/);
    expect(() => mixtureGeometry({} as never, [0.5, 0.5])).toThrow(TypeError);
  });
});

test("the study's verdict rows and table carry each report's verdict and geometry", async () => {
  const rows = await collapseVerdicts(
    [
      { setting: "m = 3", target: diagonal(3) },
      { setting: "axis", target: pair([-3, 0], [3, 0]), options: { starts: 3 } },
    ],
    small,
  );
  const direct = await collapseCheck(diagonal(3), small);
  expect(rows[0]).toMatchObject({ setting: "m = 3", collapsing: true, modes: 2, fits: 6, verdict: direct.verdict, angleToAxes: direct.mixture!.angleToAxes });
  expect(rows[1]).toMatchObject({ setting: "axis", collapsing: false, modes: 1, fits: 3, angleToAxes: 0 });
  const table = collapseTable("Collapse check", rows);
  expect(table.rows.map((r) => r.slice(0, 3))).toEqual([
    ["m = 3", "yes", "2 / 2 / 6"],
    ["axis", "no", "1 / 1 / 3"],
  ]);
  expect(table.rows.every((r) => r.length === table.columns.length)).toBe(true);
});
