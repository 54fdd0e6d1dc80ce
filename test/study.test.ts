// The study (src/study/) at reduced size: its claims, checked against its own numbers, and
// its report and figures. No file system: runs in Node and in Chromium alike.
import { beforeAll, describe, expect, test } from "vitest";
import { parseExperiments, runStudy, type ResultRow, type StudyResult } from "../src/study/index.js";
import { contourLines, niceTicks } from "../src/svg.js";

let study: StudyResult;
beforeAll(async () => {
  study = await runStudy({ only: ["E1", "E2", "E3", "E5"], size: "quick", seed: 1 });
}, 300_000);

function find(experiment: string, setting: string | null, method: string): ResultRow {
  const r = study.rows.find((x) => x.experiment === experiment && (setting === null || x.setting === setting) && x.method === method);
  if (!r) throw new Error(`no row ${experiment} / ${setting} / ${method}`);
  return r;
}

describe("the study's claims (quick run)", () => {
  test("E1: at m = 3 MFVI collapses onto the component it starts on; at m = 1 it does not", () => {
    const a = find("E1", "m = 3", "mfvi-a");
    const b = find("E1", "m = 3", "mfvi-b");
    expect(a.masses![0]).toBeGreaterThan(0.999); // init (-3, -3): the first component
    expect(b.masses![1]).toBeGreaterThan(0.999); // init (3, 3): the second
    for (const r of [a, b]) expect(Math.abs(r.kl! - Math.LN2)).toBeLessThan(0.01); // covers one of two equal halves
    expect(Math.max(...find("E1", "m = 3", "advi").masses!)).toBeGreaterThan(0.999);
    for (const r of [find("E1", "m = 1", "mfvi-a"), find("E1", "m = 1", "mfvi-b")]) expect(Math.abs(r.masses![0] - 0.5)).toBeLessThan(0.05);
  });

  test("E1: RoVI keeps both components at every m, with KL ~ 0", () => {
    for (const m of [1, 2, 3]) {
      const r = find("E1", `m = ${m}`, "rovi");
      expect(Math.abs(r.masses![0] - 0.5)).toBeLessThan(0.02);
      expect(r.kl!).toBeLessThan(0.02);
    }
  });

  test("E2: RoVI recovers the weights (0.3, 0.7) within 0.02; MFVI sits at the bounds log(1/w_k)", () => {
    const r = find("E2", "w = 0.3", "rovi");
    expect(Math.abs(r.masses![0] - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(r.masses![1] - 0.7)).toBeLessThan(0.02);
    expect(r.kl!).toBeLessThan(0.02);
    expect(find("E2", "w = 0.3", "mfvi-a").kl!).toBeCloseTo(Math.log(1 / 0.3), 2);
    expect(find("E2", "w = 0.3", "mfvi-b").kl!).toBeCloseTo(Math.log(1 / 0.7), 2);
    // unequal covariances: no exact product, but RoVI still beats MFVI from either start
    for (const setting of ["S2 = diag(4, 1/4)", "S2 stretched across"]) {
      const best = Math.min(find("E2", setting, "mfvi-a").kl!, find("E2", setting, "mfvi-b").kl!);
      expect(find("E2", setting, "rovi").kl!).toBeLessThan(best - 0.2);
    }
  });

  test("E3: LMC from a common start misweights the w = 0.3 mixture", () => {
    const l = find("E3", null, "lmc");
    const draws = l.extra.draws;
    expect(draws).toBeGreaterThan(1000);
    // Were the chains distributed by weight, the light component would get 0.3 of them, give or
    // take 3 sqrt(0.21 / chains) < 0.07 (400 chains in the quick run; draws within a chain are
    // correlated, so count chains, not draws). They start in its basin and stay: far more.
    expect(l.masses![0] - 0.3).toBeGreaterThan(0.4);
    // RoVI, on the same mixture, gets the weight right
    expect(Math.abs(find("E3", null, "rovi").masses![0] - 0.3)).toBeLessThan(0.02);
  });

  test("E3: RoVI's W1 to the exact marginals is below MFVI's and LMC's in every direction", () => {
    const r = find("E3", null, "rovi").w1!;
    const others = ["mfvi-a", "mfvi-b", "lmc"].map((m) => find("E3", null, m).w1!);
    expect(r).toHaveLength(3);
    r.forEach((v, i) => {
      expect(v).toBeLessThan(0.1);
      for (const o of others) expect(v).toBeLessThan(o[i] / 10);
    });
  });

  test("E5: MFVI keeps one labelling; RoVI from LMC's axes carries about half on each", () => {
    const m = find("E5", null, "mfvi").extra.labelFraction;
    expect(Math.max(m, 1 - m)).toBeGreaterThan(0.99);
    const r = find("E5", null, "rovi");
    expect(Math.abs(r.extra.labelFraction - 0.5)).toBeLessThan(0.1);
    // covering both of two equal modes gains up to log 2 in the ELBO
    const gain = find("E5", null, "mfvi").kl! - r.kl!;
    expect(gain).toBeGreaterThan(0.4);
    expect(gain).toBeLessThan(Math.LN2 + 0.05);
  });
});

describe("the report", () => {
  test("has a section, a table and figures per experiment, linked by relative file names", () => {
    expect(study.experiments.map((e) => e.id)).toEqual(["E1", "E2", "E3", "E5"]);
    for (const e of study.experiments) {
      expect(study.report).toContain(`## ${e.id}.`);
      expect(e.tables.length).toBeGreaterThan(0);
      expect(e.figures.length).toBeGreaterThan(0);
      expect(e.summary.length).toBeGreaterThan(100);
      for (const f of e.figures) {
        expect(f.file).toMatch(/^[a-z0-9-]+\.svg$/);
        expect(study.report).toContain(`](${f.file})`);
        expect(f.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
        expect(f.svg.trimEnd().endsWith("</svg>")).toBe(true);
        expect(f.svg).not.toMatch(/NaN|undefined|Infinity/);
      }
    }
    expect(study.report).toMatch(/\| --- \|/);
    expect(study.text).toContain("E3: W1 to the exact marginals");
  });

  test("every fit's warnings reach its row, the report and the text the CLI prints", () => {
    const warned = study.rows.filter((r) => r.warnings.length > 0);
    // E1's full-rank Gaussian VI at m = 1: its Monte Carlo KL's standard error is above 5% of it
    expect(warned.map((r) => `${r.experiment} ${r.method} ${r.setting}`)).toContain("E1 fullrank m = 1");
    for (const r of warned)
      for (const w of r.warnings) {
        expect(study.report).toContain(`- ${r.label} (${r.setting}): ${w}`);
        expect(study.text).toContain(`  ${r.label} (${r.setting}): ${w}`);
      }
    for (const r of study.rows.filter((x) => x.kl !== null)) expect(r.klError).toBeGreaterThanOrEqual(0);
  });

  test("parses experiment lists and rejects unknown ones", () => {
    expect(parseExperiments(["e3", "1", "E1"])).toEqual(["E1", "E3"]);
    expect(() => parseExperiments(["E9"])).toThrow(RangeError);
  });
});

describe("svg helpers", () => {
  test("marching squares traces a circle as one closed line of the right radius", () => {
    const n = 61;
    const xs = Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
    const values = new Float64Array(n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) values[j * n + i] = -(xs[i] ** 2 + xs[j] ** 2);
    const lines = contourLines({ xs, ys: xs, values }, -1);
    expect(lines).toHaveLength(1);
    const l = lines[0];
    expect(l[0]).toBeCloseTo(l[l.length - 2], 12); // closed
    expect(l[1]).toBeCloseTo(l[l.length - 1], 12);
    for (let k = 0; k < l.length; k += 2) expect(Math.abs(Math.hypot(l[k], l[k + 1]) - 1)).toBeLessThan(0.01);
    // -Infinity (outside an approximation's grids) counts as low
    values[30 * n + 30] = -Infinity;
    expect(contourLines({ xs, ys: xs, values }, -1).flat().every(Number.isFinite)).toBe(true);
  });

  test("ticks are round numbers inside the range", () => {
    expect(niceTicks(-4.3, 4.3, 4)).toEqual([-2.5, 0, 2.5]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});
