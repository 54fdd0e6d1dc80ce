// The two kinds of worker behind one interface: a Web Worker (module type) in browsers, a
// worker_threads Worker in Node. Node's modules are imported by a computed name, so bundlers
// building for the browser leave them alone.

/** @internal One worker, as its owner sees it. */
export interface WorkerHandle {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  /** Keeps a Node process alive while the worker is busy (no-op in browsers). */
  hold(busy: boolean): void;
  terminate(): void;
}

/** @internal The worker's own end: messages from its owner, and replies. */
export interface WorkerPort {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  listen(f: (message: unknown) => void): void;
}

interface NodeWorker {
  postMessage(m: unknown, transfer?: ArrayBuffer[]): void;
  on(event: string, f: (value: never) => void): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}
interface WorkerThreads {
  Worker: new (url: URL | string) => NodeWorker;
  parentPort: { postMessage(m: unknown, transfer?: ArrayBuffer[]): void; on(event: "message", f: (m: unknown) => void): void } | null;
}

const nodeModule = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);
/** Node (or a Node-compatible runtime): no Web Worker, worker_threads instead. */
export const inNode = typeof Worker === "undefined" && typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

/** @internal The number of logical cores (at least 1). */
export async function coreCount(): Promise<number> {
  if (inNode) return ((await nodeModule("node:os")) as { availableParallelism(): number }).availableParallelism();
  return Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
}

/**
 * Starts a worker running `url` (default: this package's worker entry). `onMessage` gets its
 * replies, `onError` a failure of the worker itself (its script failed to load, or it died).
 */
export async function spawnWorker(url: URL | string | undefined, onMessage: (m: unknown) => void, onError: (e: Error) => void): Promise<WorkerHandle> {
  if (inNode) {
    const { Worker: NodeWorkerClass } = (await nodeModule("node:worker_threads")) as WorkerThreads;
    const w = new NodeWorkerClass(url ?? new URL("./worker.js", import.meta.url));
    w.on("message", onMessage as (m: never) => void);
    w.on("error", onError as (e: never) => void);
    w.on("exit", ((code: number) => onError(new Error(`rovi: worker exited (code ${code})`))) as (c: never) => void);
    w.unref();
    return { post: (m, t) => w.postMessage(m, t), hold: (busy) => (busy ? w.ref() : w.unref()), terminate: () => void w.terminate() };
  }
  // the literal new Worker(new URL(...)) form lets bundlers (Vite) find and bundle the entry
  const w = url === undefined ? new Worker(new URL("./worker.js", import.meta.url), { type: "module" }) : new Worker(url, { type: "module" });
  w.onmessage = (e) => onMessage(e.data);
  w.onerror = (e) => {
    e.preventDefault();
    onError(new Error(`rovi: worker failed: ${e.message || "its script did not load"}`));
  };
  return { post: (m, t) => w.postMessage(m, t ?? []), hold: () => {}, terminate: () => w.terminate() };
}

/** @internal This worker's end of the channel to its owner. */
export async function ownerPort(): Promise<WorkerPort> {
  if (inNode) {
    const { parentPort } = (await nodeModule("node:worker_threads")) as WorkerThreads;
    if (!parentPort) throw new Error("rovi: the worker entry must run in a worker thread");
    return { post: (m, t) => parentPort.postMessage(m, t), listen: (f) => parentPort.on("message", f) };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown, t: ArrayBuffer[]): void; addEventListener(type: "message", f: (e: MessageEvent) => void): void };
  return { post: (m, t) => scope.postMessage(m, t ?? []), listen: (f) => scope.addEventListener("message", (e) => f(e.data)) };
}
