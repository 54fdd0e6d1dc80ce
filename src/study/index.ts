// The paper's numerical study (Sheng, Wu, Gonzalez-Sanz, "Mode Collapse of Mean-Field
// Variational Inference", 2025), built on this library's public API only: MFVI, Gaussian MFVI
// (ADVI), RoVI and Langevin (ULA) on Gaussian mixtures and on the Old Faithful label-switching
// posterior. runStudy() returns the tables, the SVG figures (as strings) and a Markdown report;
// it touches no file system, so it runs in browsers too (the CLI in src/cli.ts writes the files).
//
// One module per experiment (e1.ts ... e5.ts: its run and its headline), context.ts (what they
// share), integrals.ts (1-D marginals), figures.ts (panels) and report.ts (text and Markdown).
import { ready, type BackendName } from "../index.js";
import { SIZES, timed, type Ctx, type Outcome } from "./context.js";
import * as e1 from "./e1.js";
import * as e2 from "./e2.js";
import * as e3 from "./e3.js";
import * as e4 from "./e4.js";
import * as e5 from "./e5.js";
import { markdownReport, textReport } from "./report.js";

export { markdownTable, textTable } from "./report.js";

export type ExperimentId = "E1" | "E2" | "E3" | "E4" | "E5";

export const EXPERIMENT_IDS: readonly ExperimentId[] = ["E1", "E2", "E3", "E4", "E5"];

/** Each experiment's run, which returns its section of the report, and the progress line quoting it. */
interface Experiment {
  title: string;
  run(ctx: Ctx): Promise<{ outcome: Outcome<unknown>; headline: string }>;
}

function experiment<H>(m: { title: string; run: (ctx: Ctx) => Promise<Outcome<H>>; headline: (h: H) => string }): Experiment {
  return {
    title: m.title,
    run: async (ctx) => {
      const outcome = await m.run(ctx);
      return { outcome, headline: m.headline(outcome.highlights) };
    },
  };
}

const EXPERIMENTS: Record<ExperimentId, Experiment> = { E1: experiment(e1), E2: experiment(e2), E3: experiment(e3), E4: experiment(e4), E5: experiment(e5) };

export const EXPERIMENT_TITLES: Readonly<Record<ExperimentId, string>> = {
  E1: e1.title,
  E2: e2.title,
  E3: e3.title,
  E4: e4.title,
  E5: e5.title,
};

/**
 * Problem sizes. 'default' is what `npm start` runs (under a minute on two cores); 'quick' is
 * a reduced run for tests; 'full' runs longer Langevin chains and finer figure grids.
 */
export type StudySize = "default" | "quick" | "full";

export interface StudyOptions {
  /** Experiments to run (e.g. ["E1", "E3"]); default all. */
  only?: readonly string[];
  /** Seed of every fit, every chain and E4's random direction; default 1. */
  seed?: number;
  /** Backend of targets and fits; default: WASM where available. */
  backend?: BackendName;
  size?: StudySize;
  /** Make the SVG figures; default true. */
  figures?: boolean;
  /** Called with one line of progress after each experiment (and, for slow ones, inside). */
  onProgress?: (line: string) => void;
}

/** One fit (or sampler run) of one method on one problem. */
export interface ResultRow {
  experiment: ExperimentId;
  /** The problem, e.g. "m = 3", "w = 0.3", "d = 50". */
  setting: string;
  /** A short id: mfvi-a, mfvi-b, mfvi, advi, rovi, lmc, ... */
  method: string;
  /** What the tables call it. */
  label: string;
  /** KL(q || pi) (for the unnormalised posterior of E5: E_q[V] - H(q), the negative ELBO); null for samplers. */
  kl: number | null;
  /** The standard error of `kl` (0 for an exact quadrature); null for samplers. */
  klError: number | null;
  /** Component masses, one per mixture component; null when the target is not a mixture. */
  masses: number[] | null;
  /** E3: W1 to the exact marginals along x1, x2 and (1, 1)/sqrt 2. */
  w1: number[] | null;
  seconds: number;
  /** 'converged', 'unreliable', 'maxIterations', ... for fits; 'completed' or 'diverged' for LMC. */
  status: string;
  /** What the fit's result says not to trust about it (Approximation.warnings). */
  warnings: string[];
  /** Other numbers: labelFraction (E5), alignment (E4), sweeps, ... */
  extra: Record<string, number>;
}

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface Figure {
  /** File name, relative to the report (e.g. "e1-contours.svg"). */
  file: string;
  caption: string;
  svg: string;
}

export interface ExperimentResult {
  id: ExperimentId;
  title: string;
  /** What was run (Markdown). */
  setup: string;
  rows: ResultRow[];
  tables: Table[];
  figures: Figure[];
  /** What the numbers show (Markdown), written from this run's numbers. */
  summary: string;
  seconds: number;
}

export interface StudyResult {
  seed: number;
  backend: BackendName;
  size: StudySize;
  experiments: ExperimentResult[];
  rows: ResultRow[];
  figures: Figure[];
  /** report.md: tables, figure links (relative SVG files) and the summaries. */
  report: string;
  /** The results tables as aligned plain text, for a terminal. */
  text: string;
  seconds: number;
}

/**
 * Parses experiment ids ("E1", "e3", "1"); throws on unknown ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseExperiments(["e1", "3"]), ["E1", "E3"]);
 * ```
 */
export function parseExperiments(list: readonly string[]): ExperimentId[] {
  const out: ExperimentId[] = [];
  for (const raw of list) {
    const id = (/^\d+$/.test(raw.trim()) ? `E${raw.trim()}` : raw.trim().toUpperCase()) as ExperimentId;
    if (!EXPERIMENT_IDS.includes(id)) throw new RangeError(`unknown experiment ${JSON.stringify(raw)}; expected some of ${EXPERIMENT_IDS.join(", ")}`);
    if (!out.includes(id)) out.push(id);
  }
  return EXPERIMENT_IDS.filter((id) => out.includes(id));
}

/**
 * Runs the study (or the experiments in `only`) and returns its tables, figures and report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const study = await runStudy({ only: ["E4"], size: "quick", figures: false });
 * const rovi2 = study.rows.find((r) => r.method === "rovi" && r.setting === "d = 2");
 * assert.ok(rovi2 && Math.abs(rovi2.masses![0] - 0.5) < 0.02);
 * ```
 */
export async function runStudy(options: StudyOptions = {}): Promise<StudyResult> {
  const size = options.size ?? "default";
  if (!(size in SIZES)) throw new RangeError(`size must be 'default', 'quick' or 'full'; got ${JSON.stringify(size)}`);
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer in [0, 2^53); got ${seed}`);
  const ids = options.only ? parseExperiments(options.only) : [...EXPERIMENT_IDS];
  const backend = await ready(options.backend);
  const say = options.onProgress ?? (() => {});
  const ctx: Ctx = { seed, backend: options.backend, sizes: SIZES[size], figures: options.figures ?? true, say, cache: new Map() };
  const t0 = performance.now();
  const experiments: ExperimentResult[] = [];
  for (const id of ids) {
    const [{ outcome: o, headline }, seconds] = await timed(() => EXPERIMENTS[id].run(ctx));
    experiments.push({ id, title: EXPERIMENTS[id].title, setup: o.setup, rows: o.rows, tables: o.tables, figures: o.figures, summary: o.summary, seconds });
    say(`[${id}] ${seconds.toFixed(1)} s  ${headline}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const result: StudyResult = {
    seed,
    backend,
    size,
    experiments,
    rows: experiments.flatMap((e) => e.rows),
    figures: experiments.flatMap((e) => e.figures),
    report: "",
    text: "",
    seconds,
  };
  result.report = markdownReport(result);
  result.text = textReport(result);
  return result;
}
