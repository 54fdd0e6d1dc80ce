// rovi/worker: the fits of rovi, run in Web Workers (browsers) or worker threads (Node), with
// the same options and results as in-thread. The functions here share one pool, as large as
// the machine has cores; make a WorkerPool of your own for another size or worker URL.
import { WorkerPool } from "./pool.js";

export { WorkerPool, type PoolOptions, type WorkerOptions } from "./pool.js";
export type { TargetSource, WorkerTarget } from "./target-source.js";
export { approximationFromData, approximationToData, type ApproximationData } from "./serialize.js";

let shared: WorkerPool | null = null;
/**
 * The pool behind this module's functions (made on first use).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const pool = defaultPool(); // the pool behind mfvi, rovi, ... of rovi/worker
 * const q = await pool.mfvi({ gaussian: { mean: [0, 0], covariance: 1 } });
 * assert.ok(q.converged);
 * pool.terminate(); // lets the process exit
 * ```
 */
export function defaultPool(): WorkerPool {
  return (shared ??= new WorkerPool());
}

/** mfvi() in a worker. */
export const mfvi: WorkerPool["mfvi"] = (target, options) => defaultPool().mfvi(target, options);
/** rovi() in workers, its restarts side by side. */
export const rovi: WorkerPool["rovi"] = (target, options) => defaultPool().rovi(target, options);
/** gaussianMfvi() in a worker. */
export const gaussianMfvi: WorkerPool["gaussianMfvi"] = (target, options) => defaultPool().gaussianMfvi(target, options);
/** lmc() in workers, its chains split over them. */
export const lmc: WorkerPool["lmc"] = (target, options) => defaultPool().lmc(target, options);
/** svd() in a worker. */
export const svd: WorkerPool["svd"] = (matrix, options) => defaultPool().svd(matrix, options);
