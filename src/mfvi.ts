// Mean-field VI: a product of 1-D histogram factors fitted by coordinate ascent (CAVI).
import { Approximation, type FitStatus } from "./approximation.js";
import { Engine, checkRanges, initialGuess, makeYielder, parseCaviOptions, STATUS_MESSAGES, type CaviConfig, type CaviOptions } from "./cavi.js";
import type { Target } from "./targets.js";

export type MfviOptions = CaviOptions;

/** The d x d identity, row-major. */
export function identity(d: number): Float64Array {
  const o = new Float64Array(d * d);
  for (let i = 0; i < d; i++) o[i * d + i] = 1;
  return o;
}

/**
 * Runs CAVI sweeps on an engine until the factors settle (largest total-variation change
 * below tol), maxSweeps, a numerical failure or an abort. Shared by mfvi() and rovi().
 */
export async function runSweeps(
  engine: Engine,
  config: CaviConfig,
  sweeps: number,
  trace: number[],
  extra: { beta?: number } = {},
): Promise<{ status: FitStatus; message: string; sweeps: number }> {
  const pause = makeYielder();
  for (let s = 0; s < sweeps; s++) {
    if (config.signal?.aborted) return { status: "aborted", message: "aborted by options.signal", sweeps: s };
    const code = engine.sweep();
    if (code !== 0) return { status: "diverged", message: STATUS_MESSAGES[code] ?? `kernel status ${code}`, sweeps: s + 1 };
    const kl = engine.klAfterSweep();
    trace.push(kl);
    if (!Number.isFinite(kl)) return { status: "diverged", message: `the KL estimate is ${kl}`, sweeps: s + 1 };
    config.onProgress?.({ sweep: trace.length, kl, maxChange: engine.maxChange, ...extra });
    if (engine.maxChange < config.tol) return { status: "converged", message: "", sweeps: s + 1 };
    await pause();
  }
  return { status: "maxSweeps", message: `no convergence in ${sweeps} sweeps (last change ${engine.maxChange})`, sweeps };
}

/**
 * Mean-field variational inference: argmin KL(mu || pi) over product measures, each factor a
 * histogram density on an adaptive grid (docs/algorithms.md §2).
 */
export async function mfvi(target: Target, options?: MfviOptions): Promise<Approximation> {
  const config = parseCaviOptions(target, options);
  checkRanges(config);
  const engine = await Engine.create(target, config);
  try {
    const rotation = identity(target.dim);
    engine.setRotation(rotation);
    const { center, scale } = initialGuess(target, rotation, config);
    engine.initFactors(center, scale);
    const trace: number[] = [];
    const run = await runSweeps(engine, config, config.maxSweeps, trace);
    const kl = run.status === "diverged" ? NaN : engine.evaluateKl();
    return new Approximation({
      method: "mfvi",
      backend: engine.backend.name,
      factors: engine.snapshot(),
      kl,
      normalized: target.normalized,
      sweeps: run.sweeps,
      status: run.status,
      message: run.message,
      trace: Float64Array.from(trace),
    });
  } finally {
    engine.dispose();
  }
}

/**
 * An Approximation whose factors are the Gaussians N(center_i, scale_i^2), discretised on
 * grids of `gridSize` cells over center +- 8 scale, in coordinates y = O^T x; its KL is
 * evaluated like a fit's. For baselines (Gaussian mean-field) that fit Gaussian factors.
 */
export async function gaussianFactorsApproximation(
  target: Target,
  center: Float64Array,
  scale: Float64Array,
  rotation: Float64Array,
  fit: { method: string; options?: MfviOptions; sweeps: number; status: FitStatus; message: string; trace: Float64Array },
): Promise<Approximation> {
  const config = parseCaviOptions(target, { ...fit.options, bounds: undefined, init: undefined });
  const engine = await Engine.create(target, config);
  try {
    engine.setRotation(rotation);
    engine.initFactors(center, scale);
    return new Approximation({
      method: fit.method,
      backend: engine.backend.name,
      factors: engine.snapshot(),
      kl: engine.evaluateKl(),
      normalized: target.normalized,
      sweeps: fit.sweeps,
      status: fit.status,
      message: fit.message,
      trace: fit.trace,
    });
  } finally {
    engine.dispose();
  }
}
