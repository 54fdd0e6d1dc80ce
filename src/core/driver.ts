// The driver every fit runs on: a fit is a Stepper (init, then step after step), and the
// one-shot calls (mfvi, rovi, gaussianMfvi, lmc) are runToEnd over one. It owns the shared
// control flow: yielding to the event loop, progress, abort, and the status vocabulary.

/**
 * How a fit or sampler ended. `converged`: its convergence test and its sanity checks passed;
 * `unreliable`: the convergence test passed but a sanity check did not (see `message` and
 * `warnings`: e.g. a factor squeezed into one or two grid cells); `maxIterations`: it
 * ran out of its iteration budget first; `completed`: a sampler ran the steps it was asked
 * for (it has no convergence test); `diverged`: numerical failure (see `message`);
 * `aborted`: stopped by `options.signal` or by `stop()`.
 */
export type Status = "converged" | "unreliable" | "maxIterations" | "completed" | "diverged" | "aborted";

/** A Stepper's state: `running` until a step (or stop) gives it a final Status. */
export type StepperStatus = Status | "running";

/**
 * A fit that runs one step at a time (a CAVI sweep, a RoVI sweep with its rotation phase, a
 * window of Adam iterations, a block of Langevin steps). `step()` is synchronous; `current()`
 * reads the state after any step; `result()` is what the one-shot call returns.
 */
export interface Stepper<Result, Info> {
  /** `running`, or the final status once a step ended the fit. */
  readonly status: StepperStatus;
  /** True once the status is final: step() then throws. */
  readonly done: boolean;
  /** One step; returns its report (also what onProgress receives). */
  step(): Info;
  /** The current state as a result (for a fit: an Approximation of the current factors). */
  current(): Result;
  /** Ends a running fit with status 'aborted' (no-op once done). */
  stop(message?: string): void;
  /** The final result (stops a running fit first). */
  result(): Result;
  /** Frees the fit's kernel memory; the stepper is unusable afterwards. Idempotent. */
  dispose(): void;
}

/** What runToEnd needs from a fit's options. */
export interface Control<Info> {
  onProgress: ((info: Info) => unknown) | null;
  signal: AbortSignal | null;
}

/** Gives the event loop a turn now and then, so an AbortSignal can fire and pages can paint. */
export function makeYielder(everyMs = 8): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await nextTask();
    last = performance.now();
  };
}

/**
 * Resolves on a task of its own, as soon as the event loop has run what was due: setImmediate
 * in Node, a MessageChannel message in browsers and workers. Not setTimeout(0): browsers wait
 * at least 4 ms once timeouts nest five deep, as a fit's turns do (rovi() in Chromium took
 * 1.3-1.5x the time of its steps), and Node 1 ms.
 */
export function nextTask(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === "function") return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel !== "function") return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/**
 * Steps a fit until it is done, with progress after every step, abort between steps and turns
 * for the event loop; disposes of it and returns its result. An onProgress that returns a
 * promise is awaited (so its rejection rejects the fit instead of going unhandled).
 */
export async function runToEnd<Result, Info>(stepper: Stepper<Result, Info>, control: Control<Info>): Promise<Result> {
  const pause = makeYielder();
  try {
    while (!stepper.done) {
      if (control.signal?.aborted) {
        stepper.stop("aborted by options.signal");
        break;
      }
      const info = stepper.step();
      const reply = control.onProgress?.(info);
      if (reply && typeof (reply as PromiseLike<unknown>).then === "function") await reply;
      await pause();
    }
    return stepper.result();
  } finally {
    stepper.dispose();
  }
}

/** The bookkeeping every Stepper shares: its status, message and end. */
export abstract class StepperBase<Result, Info> implements Stepper<Result, Info> {
  status: StepperStatus = "running";
  message = "";
  private disposed = false;

  get done(): boolean {
    return this.status !== "running";
  }

  step(): Info {
    this.usable();
    if (this.done) throw new Error(`rovi: this fit is ${this.status}; step() is only for a running fit`);
    return this.advance();
  }

  stop(message = "stopped by stop()"): void {
    if (!this.done) this.end("aborted", message);
  }

  current(): Result {
    this.usable();
    return this.snapshot();
  }

  result(): Result {
    this.usable();
    if (!this.done) this.stop();
    return this.snapshot();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.release();
  }

  /** Sets the final status (once). */
  protected end(status: Status, message = ""): void {
    this.status = status;
    this.message = message;
  }

  private usable(): void {
    if (this.disposed) throw new Error("rovi: this fit was disposed of");
  }

  protected abstract advance(): Info;
  protected abstract snapshot(): Result;
  protected abstract release(): void;
}
