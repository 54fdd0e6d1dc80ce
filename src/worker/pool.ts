// A pool of workers running fits off the calling thread: each worker takes one job at a time,
// jobs wait in a queue for a free worker. RoVI restarts and LMC chains are spread over the
// workers (src/worker/split.ts) with the same bits as one thread.
import type { Approximation } from "../approximation.js";
import type { GaussianMfviOptions } from "../gaussian-mfvi.js";
import type { MatrixInput, SvdOptions, SvdResult } from "../linalg.js";
import type { LmcOptions, LmcProgress, LmcResult } from "../lmc.js";
import type { MfviOptions } from "../mfvi.js";
import type { RoviOptions } from "../rovi.js";
import { integer, options as optionsObject, typeError } from "../validate.js";
import { coreCount, spawnWorker, type WorkerHandle } from "./port.js";
import type { Method } from "./run.js";
import { fromWire, type FitOutput, type Wire } from "./serialize.js";
import { lmcPieces, mergeLmc, mergeRovi, roviPieces } from "./split.js";
import { targetSource, type TargetSource, type WorkerTarget } from "./target-source.js";

/** @internal Owner -> worker. */
export type Request =
  | { type: "run"; id: number; method: Method; target: TargetSource | null; matrix?: MatrixInput; options: Record<string, unknown>; snapshots: boolean; aborted?: boolean }
  | { type: "abort"; id: number };
/** @internal Worker -> owner. */
export type Reply =
  | { type: "started"; id: number }
  | { type: "aborting"; id: number }
  | { type: "progress"; id: number; info: unknown; current?: Wire }
  | { type: "done"; id: number; wire: Wire }
  | { type: "error"; id: number; name: string; message: string };

/**
 * What the pool's methods take besides the in-thread options: with `snapshots: true`,
 * `onProgress(info, current)` also gets the fit's current state after every step (an
 * Approximation, or for lmc an LmcResult with status 'running'), at the cost of copying it.
 */
export interface WorkerOptions<Info, Current> {
  onProgress?: (info: Info, current?: Current) => unknown;
  snapshots?: boolean;
}

type Worked<O, Current> = Omit<O, "onProgress"> & WorkerOptions<O extends { onProgress?: (info: infer I) => unknown } ? I : never, Current>;

export interface PoolOptions {
  /** Workers at most; default: the number of logical cores. */
  size?: number;
  /** The worker entry's URL; default: this package's (dist/worker/worker.js). */
  url?: string | URL;
}

interface Pending {
  request: Extract<Request, { type: "run" }>;
  onProgress: ((info: never, current?: FitOutput) => unknown) | null;
  signal: AbortSignal | null;
  abort: () => void;
  /** The worker has begun the job (an abort it has not seen by then is one it must answer). */
  started: boolean;
  /** The worker has seen the abort (it is between steps: the fit stops with its state). */
  stopping: boolean;
  /** When the worker last reported (start or progress), and the longest time between reports (ms). */
  reported: number;
  longestStep: number;
  resolve(r: FitOutput): void;
  reject(e: unknown): void;
}

interface Slot {
  handle: WorkerHandle;
  job: Pending | null;
}

const ERRORS: Record<string, new (message: string) => Error> = { TypeError, RangeError };
/** How long an aborted job's worker has to stop it before it is terminated. */
const ABORT_GRACE_MS = 1000;
let nextId = 1;

/** Workers for mfvi, rovi, gaussianMfvi, lmc and svd: the same options and results as in-thread. */
export class WorkerPool {
  private readonly url: string | URL | undefined;
  private readonly wanted: number | undefined;
  private size: Promise<number> | null = null;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private closed = false;
  private dispatching: Promise<void> = Promise.resolve();

  constructor(opts: PoolOptions = {}) {
    const o = optionsObject("options", opts);
    this.wanted = o.size === undefined ? undefined : integer("options.size", o.size, 1, 1024);
    if (o.url !== undefined && typeof o.url !== "string" && !(o.url instanceof URL)) throw typeError("options.url", "a string or URL", o.url);
    this.url = o.url as string | URL | undefined;
  }

  /** Workers this pool runs at most. */
  async workers(): Promise<number> {
    return (this.size ??= this.wanted === undefined ? coreCount() : Promise.resolve(this.wanted));
  }

  mfvi(target: WorkerTarget, options?: Worked<MfviOptions, Approximation>): Promise<Approximation> {
    return this.fit("mfvi", target, options) as Promise<Approximation>;
  }

  gaussianMfvi(target: WorkerTarget, options?: Worked<GaussianMfviOptions, Approximation>): Promise<Approximation> {
    return this.fit("gaussianMfvi", target, options) as Promise<Approximation>;
  }

  /** rovi() with its restarts run side by side, one per worker (same bits as in one thread). */
  async rovi(target: WorkerTarget, options?: Worked<RoviOptions, Approximation>): Promise<Approximation> {
    const pieces = roviPieces(options);
    if (!pieces) return this.fit("rovi", target, options) as Promise<Approximation>;
    return mergeRovi((await Promise.all(pieces.map((p) => this.fit("rovi", target, p)))) as Approximation[]);
  }

  /** lmc() with its chains split in blocks over the workers (same bits as in one thread). */
  async lmc(target: WorkerTarget, options: Worked<LmcOptions, LmcResult>): Promise<LmcResult> {
    const pieces = typeof options === "object" && options !== null ? lmcPieces(options as LmcOptions, await this.workers()) : null;
    if (!pieces) return this.fit("lmc", target, options) as Promise<LmcResult>;
    // progress: the slowest block's, with the blocks' current states merged once each has one
    const latest: { info: LmcProgress; current?: LmcResult }[] = [];
    const report = options.onProgress;
    const onBlock = (i: number) => (info: LmcProgress, current?: FitOutput) => {
      latest[i] = { info, current: current as LmcResult | undefined };
      const slowest = latest.reduce((a, b) => (b.info.step < a.info.step ? b : a));
      const all = latest.filter((l) => l.current).length === pieces.length;
      return report?.({ ...slowest.info, status: "running" }, all ? mergeLmc(latest.map((l) => l.current!), false) : undefined);
    };
    const parts = pieces.map((p, i) => this.fit("lmc", target, { ...p, snapshots: options.snapshots, onProgress: report && onBlock(i) }));
    return mergeLmc((await Promise.all(parts)) as LmcResult[]);
  }

  async svd(matrix: MatrixInput, options?: SvdOptions): Promise<SvdResult> {
    return this.submit("svd", null, matrix, options) as Promise<SvdResult>;
  }

  /** Stops every worker; running and queued jobs reject. */
  terminate(): void {
    this.closed = true;
    const error = new Error("rovi: the worker pool was terminated");
    for (const p of this.queue.splice(0)) p.reject(error);
    for (const s of this.slots.splice(0)) {
      s.job?.reject(error);
      s.handle.terminate();
    }
  }

  private async fit(method: Method, target: WorkerTarget, options: object | undefined): Promise<FitOutput> {
    return this.submit(method, targetSource(target), undefined, options);
  }

  private submit(method: Method, target: TargetSource | null, matrix: MatrixInput | undefined, options: object | undefined): Promise<FitOutput> {
    if (this.closed) return Promise.reject(new Error("rovi: the worker pool was terminated"));
    const { onProgress, signal, snapshots, ...rest } = optionsObject("options", options) as { onProgress?: unknown; signal?: unknown; snapshots?: unknown };
    if (snapshots !== undefined && typeof snapshots !== "boolean") return Promise.reject(typeError("options.snapshots", "a boolean", snapshots));
    if (onProgress !== undefined && typeof onProgress !== "function") return Promise.reject(typeError("options.onProgress", "a function", onProgress));
    if (signal !== undefined && !(signal instanceof AbortSignal)) return Promise.reject(typeError("options.signal", "an AbortSignal", signal));
    return new Promise<FitOutput>((resolve, reject) => {
      const request = { type: "run", id: nextId++, method, target, matrix, options: rest, snapshots: snapshots === true } as const;
      const job: Pending = { request, onProgress: (onProgress as Pending["onProgress"]) ?? null, signal: signal ?? null, abort: () => {}, started: false, stopping: false, reported: 0, longestStep: 0, resolve, reject };
      this.queue.push(job);
      void this.dispatch();
    });
  }

  /** Hands queued jobs to free workers, one pass at a time (so workers start one by one). */
  private dispatch(): Promise<void> {
    // a worker that cannot start fails the jobs waiting for one
    return (this.dispatching = this.dispatching.then(() => this.assign()).catch((e: Error) => this.queue.splice(0).forEach((p) => p.reject(e))));
  }

  private async assign(): Promise<void> {
    const size = await this.workers();
    while (this.queue.length > 0 && !this.closed) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot && this.slots.length < size) slot = await this.spawn();
      if (!slot || this.closed) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.handle.hold(true);
      job.abort = () => this.abort(slot!, job);
      // a signal aborted already travels with the job: an abort message after it can lose the
      // race with the worker's start (in Chromium the first block of steps then ran)
      slot.handle.post(job.signal?.aborted ? { ...job.request, aborted: true } : job.request);
      if (job.signal?.aborted) job.abort();
      else job.signal?.addEventListener("abort", job.abort, { once: true });
    }
  }

  /**
   * Asks the worker to stop the job: a fit stops at its next step and returns 'aborted'. A
   * worker that has not seen the request after ABORT_GRACE_MS, or twice the longest step the
   * fit has reported if that is longer (it is inside one long kernel call: an SVD, a built-in
   * mixture's sweep), is terminated, the job rejects with the signal's reason, and the next
   * job gets a fresh worker.
   */
  private abort(slot: Slot, job: Pending): void {
    slot.handle.post({ type: "abort", id: job.request.id } satisfies Request);
    if (job.started) this.deadline(slot, job);
  }

  private deadline(slot: Slot, job: Pending): void {
    // an SVD is one kernel call: it cannot stop by itself
    const cooperative = job.request.method !== "svd";
    const grace = cooperative ? Math.max(ABORT_GRACE_MS, 2 * job.longestStep) : 0;
    setTimeout(() => slot.job === job && !(cooperative && job.stopping) && this.failed(slot, job.signal!.reason), grace);
  }

  private async spawn(): Promise<Slot> {
    const slot: Slot = { handle: null as unknown as WorkerHandle, job: null };
    slot.handle = await spawnWorker(this.url, (m) => this.receive(slot, m as Reply), (e) => this.failed(slot, e));
    this.slots.push(slot);
    return slot;
  }

  private receive(slot: Slot, m: Reply): void {
    const job = slot.job;
    if (!job || m.id !== job.request.id) return;
    if (m.type === "aborting") {
      job.stopping = true;
      return;
    }
    if (m.type === "started") {
      job.started = true;
      job.reported = performance.now();
      if (job.signal?.aborted) this.deadline(slot, job);
      return;
    }
    if (m.type === "progress") {
      const now = performance.now();
      job.longestStep = Math.max(job.longestStep, now - job.reported);
      job.reported = now;
      job.onProgress?.(m.info as never, m.current && fromWire(m.current));
      return;
    }
    slot.job = null;
    slot.handle.hold(false);
    job.signal?.removeEventListener("abort", job.abort);
    if (m.type === "done") job.resolve(fromWire(m.wire));
    else job.reject(new (ERRORS[m.name] ?? Error)(m.message));
    void this.dispatch();
  }

  /** A worker died (or is dropped for an abort): its job rejects, and it is replaced on the next dispatch. */
  private failed(slot: Slot, error: unknown): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    slot.job?.reject(error);
    slot.handle?.terminate();
    if (!this.closed) void this.dispatch();
  }
}
