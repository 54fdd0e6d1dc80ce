// The worker's fit loop, in one place: one call of the in-thread function, its per-sweep
// progress forwarded. When the stepping API (mfviStepper and co.) lands, this is the function
// to switch: step() in a loop, posting current() snapshots with the progress.
import { gaussianMfvi } from "../gaussian-mfvi.js";
import { svd, type MatrixInput } from "../linalg.js";
import { lmc, type LmcOptions } from "../lmc.js";
import { mfvi } from "../mfvi.js";
import { rovi } from "../rovi.js";
import type { Target } from "../targets.js";
import type { FitOutput } from "./serialize.js";

export type Method = "mfvi" | "rovi" | "gaussianMfvi" | "lmc" | "svd";

/** @internal One job: a method, its target (or svd's matrix) and its postable options. */
export interface Job {
  method: Method;
  target: Target | null;
  matrix?: MatrixInput;
  options: Record<string, unknown>;
}

/** @internal Runs a job; `progress` gets what onProgress would. */
export function run(job: Job, progress: (info: unknown) => void, signal: AbortSignal): Promise<FitOutput> {
  const options = { ...job.options, onProgress: progress, signal };
  const t = job.target as Target;
  switch (job.method) {
    case "mfvi":
      return mfvi(t, options);
    case "rovi":
      return rovi(t, options);
    case "gaussianMfvi":
      return gaussianMfvi(t, options);
    case "lmc":
      return lmc(t, options as unknown as LmcOptions);
    case "svd":
      return svd(job.matrix as MatrixInput, job.options);
  }
}
