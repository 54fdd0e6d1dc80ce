// rovi/worker: the fits of rovi, run in Web Workers (browsers) or worker threads (Node), with
// the same options and results as in-thread. The functions here share one pool, as large as
// the machine has cores; make a WorkerPool of your own for another size or worker URL.
import type { Approximation } from "../approximation.js";
import type { GaussianMfviOptions } from "../gaussian-mfvi.js";
import type { MatrixInput, SvdOptions, SvdResult } from "../linalg.js";
import type { LmcOptions, LmcResult } from "../lmc.js";
import type { MfviOptions } from "../mfvi.js";
import type { RoviOptions } from "../rovi.js";
import { WorkerPool } from "./pool.js";
import type { WorkerTarget } from "./target-source.js";

export { WorkerPool, type PoolOptions } from "./pool.js";
export type { TargetSource, WorkerTarget } from "./target-source.js";
export { approximationFromData, approximationToData, type ApproximationData } from "./serialize.js";

let shared: WorkerPool | null = null;
/** The pool behind this module's functions (made on first use). */
export function defaultPool(): WorkerPool {
  return (shared ??= new WorkerPool());
}

/** mfvi() in a worker. */
export const mfvi = (target: WorkerTarget, options?: MfviOptions): Promise<Approximation> => defaultPool().mfvi(target, options);
/** rovi() in workers, its restarts side by side. */
export const rovi = (target: WorkerTarget, options?: RoviOptions): Promise<Approximation> => defaultPool().rovi(target, options);
/** gaussianMfvi() in a worker. */
export const gaussianMfvi = (target: WorkerTarget, options?: GaussianMfviOptions): Promise<Approximation> => defaultPool().gaussianMfvi(target, options);
/** lmc() in workers, its chains split over them. */
export const lmc = (target: WorkerTarget, options: LmcOptions): Promise<LmcResult> => defaultPool().lmc(target, options);
/** svd() in a worker. */
export const svd = (matrix: MatrixInput, options?: SvdOptions): Promise<SvdResult> => defaultPool().svd(matrix, options);
