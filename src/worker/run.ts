// The worker's fit loop, in one place: the method's stepper, stepped to the end by the same
// driver as the in-thread call (so the same bits), each step's report forwarded with, when
// asked for, the fit's current state.
import { runToEnd, type Stepper } from "../core/driver.js";
import { gaussianMfviStepper } from "../gaussian-mfvi.js";
import { svd, type MatrixInput } from "../linalg.js";
import { lmcStepper, type LmcOptions } from "../lmc.js";
import { mfviStepper } from "../mfvi.js";
import { roviStepper } from "../rovi.js";
import type { Target } from "../targets.js";
import type { FitOutput } from "./serialize.js";

export type Method = "mfvi" | "rovi" | "gaussianMfvi" | "lmc" | "svd";

/** @internal One job: a method, its target (or svd's matrix) and its postable options. */
export interface Job {
  method: Method;
  target: Target | null;
  matrix?: MatrixInput;
  options: Record<string, unknown>;
  /** Send the current state with every step's report. */
  snapshots: boolean;
}

type AnyStepper = Stepper<FitOutput, unknown>;
const STEPPERS: Record<Exclude<Method, "svd">, (t: Target, o: Record<string, unknown>) => Promise<AnyStepper>> = {
  mfvi: (t, o) => mfviStepper(t, o) as Promise<AnyStepper>,
  rovi: (t, o) => roviStepper(t, o) as Promise<AnyStepper>,
  gaussianMfvi: (t, o) => gaussianMfviStepper(t, o) as Promise<AnyStepper>,
  lmc: (t, o) => lmcStepper(t, o as unknown as LmcOptions) as Promise<AnyStepper>,
};

/** @internal Runs a job; `progress` gets each step's report and, with snapshots, the state after it. */
export async function run(job: Job, progress: (info: unknown, current?: FitOutput) => void, signal: AbortSignal): Promise<FitOutput> {
  if (job.method === "svd") return svd(job.matrix as MatrixInput, job.options);
  const stepper = await STEPPERS[job.method](job.target as Target, job.options);
  return runToEnd(stepper, { signal, onProgress: (info) => progress(info, job.snapshots ? stepper.current() : undefined) });
}
