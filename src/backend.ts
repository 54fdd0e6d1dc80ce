// The two backends behind one interface. Both expose the kernels of assembly/index.ts; they
// differ only in how a kernel buffer is passed: the JS backend takes the typed array itself,
// the WASM backend the address of the AssemblyScript object that owns the array in its memory.
import * as portable from "./generated/portable/index.js";
import { wasmBase64 } from "./generated/wasm-bytes.js";
import { backendOption, rangeError } from "./validate.js";

export type BackendName = "wasm" | "js";

/** What a kernel receives for a buffer: the array (JS) or its object's address (WASM). */
export type Handle = number | Float64Array | Int32Array;

type Portable = typeof portable;
type KernelName = Exclude<keyof Portable, "allocF64" | "allocF64Unfilled" | "allocI32">;
type Lower<T> = T extends Float64Array | Int32Array ? Handle : T;
type LowerArgs<A extends unknown[]> = { [I in keyof A]: Lower<A[I]> };
/** The kernels as the facade calls them: array parameters become handles. */
export type Kernels = {
  [K in KernelName]: Portable[K] extends (...args: infer A) => infer R ? (...args: LowerArgs<A>) => R : never;
};

/** A kernel buffer. `view` is always current (WASM views are re-made after memory grows). */
export interface Buffer<T extends Float64Array | Int32Array> {
  readonly handle: Handle;
  readonly view: T;
  readonly length: number;
}

/** A buffer's contents copied out to ordinary memory (twice as fast as view.slice() on WASM memory). */
export function copyOut(buffer: Buffer<Float64Array>): Float64Array {
  const out = new Float64Array(buffer.length);
  out.set(buffer.view);
  return out;
}

/**
 * The buffers one computation owns, allocated through it and freed together: the one way the
 * facade owns kernel memory.
 */
export class BufferSet {
  private readonly held: Buffer<Float64Array | Int32Array>[] = [];
  private readonly named = new Map<string, Buffer<Float64Array>>();
  constructor(readonly backend: Backend) {}
  f64(length: number): Buffer<Float64Array> {
    return this.hold(this.backend.f64(Math.max(1, length)));
  }
  /** A buffer whose entries are unspecified (WASM: not zeroed): for one the caller fills before any kernel reads it. */
  f64Unfilled(length: number): Buffer<Float64Array> {
    return this.hold(this.backend.f64Unfilled(Math.max(1, length)));
  }
  i32(length: number): Buffer<Int32Array> {
    return this.hold(this.backend.i32(Math.max(1, length)));
  }
  /** A scratch buffer kept under `key` and reused, replaced by a larger one when too short. */
  scratch(key: string, length: number): Buffer<Float64Array> {
    const b = this.named.get(key);
    if (b !== undefined && b.length >= length) return b;
    if (b !== undefined) this.release(b);
    const fresh = this.f64(length);
    this.named.set(key, fresh);
    return fresh;
  }
  /** Frees every buffer of the set (the set is empty afterwards). */
  free(): void {
    for (const b of this.held) this.backend.free(b);
    this.held.length = 0;
    this.named.clear();
  }
  private release(b: Buffer<Float64Array>): void {
    this.held.splice(this.held.indexOf(b), 1);
    this.backend.free(b);
  }
  private hold<T extends Buffer<Float64Array | Int32Array>>(b: T): T {
    this.held.push(b);
    return b;
  }
}

/**
 * Runs body on f64 buffers of the given lengths (at least 1 each), freed when it returns or
 * throws. `filled` false: their entries are unspecified (f64Unfilled), for buffers that the
 * body and its kernels write before they read them.
 */
export function withBuffers<T>(backend: Backend, lengths: readonly number[], body: (bufs: Buffer<Float64Array>[]) => T, filled = true): T {
  const set = new BufferSet(backend);
  try {
    return body(lengths.map((length) => (filled ? set.f64(length) : set.f64Unfilled(length))));
  } finally {
    set.free();
  }
}

export interface Backend {
  readonly name: BackendName;
  readonly kernels: Kernels;
  f64(length: number): Buffer<Float64Array>;
  /** f64 with unspecified entries (WASM: not zeroed, which costs a pass over the memory). */
  f64Unfilled(length: number): Buffer<Float64Array>;
  i32(length: number): Buffer<Int32Array>;
  /** Returns a buffer's memory to the backend (WASM: unpins it for the collector). */
  free(buffer: Buffer<Float64Array | Int32Array>): void;
  /** Bytes of memory the backend holds (WASM: the size of its linear memory; JS: 0). */
  memoryBytes(): number;
  /** @internal The WASM backend's linear memory (for tests). */
  readonly memory?: WebAssembly.Memory;
}

const jsF64 = (length: number): Buffer<Float64Array> => {
  const view = new Float64Array(length);
  return { handle: view, view, length };
};

const jsBackend: Backend = {
  name: "js",
  kernels: portable as unknown as Kernels,
  f64: jsF64,
  f64Unfilled: jsF64,
  i32: (length) => {
    const view = new Int32Array(length);
    return { handle: view, view, length };
  },
  free: () => {},
  memoryBytes: () => 0,
};

interface WasmExports {
  memory: WebAssembly.Memory;
  __pin(ptr: number): number;
  __unpin(ptr: number): void;
  __collect(): void;
  allocF64(n: number): number;
  allocF64Unfilled(n: number): number;
  allocI32(n: number): number;
  [kernel: string]: unknown;
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// WASM addresses are u32, but an i32 result reaches JS as a signed number: above 2 GiB of
// memory it is negative. `>>> 0` reads every address the module returns as unsigned.

/** Reads AssemblyScript's UTF-16 string at `ptr` (for abort messages). */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  const at = ptr >>> 0;
  if (!at) return "";
  const length = new Uint32Array(memory.buffer, at - 4, 1)[0] >>> 1;
  return String.fromCharCode(...new Uint16Array(memory.buffer, at, length));
}

/**
 * Unpinned bytes after which free() collects at once rather than at the next microtask. Small,
 * so that a burst of calls in one task (a custom target's batches, each copying its points into
 * a fresh buffer) reuses memory still in cache instead of cycling through megabytes of new
 * memory: 256 KB rather than 16 MB made a custom-target RoVI fit at d = 30 about 1.08x faster.
 * A collection with little to free costs 0.1 to 2 microseconds.
 */
const COLLECT_AFTER = 2 ** 18;

type ViewOf<T> = new (buffer: ArrayBuffer, offset: number, length: number) => T;

/** A buffer in WASM memory; its view is made on first use and again after the memory grows. */
class WasmBuffer<T extends Float64Array | Int32Array> implements Buffer<T> {
  private cached: T | null = null;
  constructor(
    private readonly memory: WebAssembly.Memory,
    readonly handle: number,
    readonly length: number,
    private readonly View: ViewOf<T>,
    private readonly dataStart: (ptr: number) => number,
  ) {}
  get view(): T {
    const buffer = this.memory.buffer;
    if (this.cached === null || this.cached.buffer !== buffer) this.cached = new this.View(buffer, this.dataStart(this.handle), this.length);
    return this.cached;
  }
}

function makeWasmBackend(instance: WebAssembly.Instance): Backend {
  const exports = instance.exports as unknown as WasmExports;
  const { memory } = exports;
  let collectPending = false;
  let garbage = 0;
  const collect = () => {
    collectPending = false;
    garbage = 0;
    exports.__collect();
  };
  // An ArrayBufferView object in AssemblyScript: [buffer, dataStart, byteLength] as u32 words,
  // read through one view of the whole memory (a typed array made per buffer cost more than
  // the rest of a small batch call)
  let words = new Uint32Array(memory.buffer);
  const dataStart = (ptr: number) => {
    if (words.buffer !== memory.buffer) words = new Uint32Array(memory.buffer);
    return words[(ptr + 4) >>> 2];
  };
  const make = <T extends Float64Array | Int32Array>(alloc: (n: number) => number, View: ViewOf<T>, length: number): Buffer<T> =>
    new WasmBuffer(memory, exports.__pin(alloc(length)) >>> 0, length, View, dataStart);
  return {
    name: "wasm",
    kernels: exports as unknown as Kernels,
    f64: (length) => make(exports.allocF64, Float64Array, length),
    f64Unfilled: (length) => make(exports.allocF64Unfilled, Float64Array, length),
    i32: (length) => make(exports.allocI32, Int32Array, length),
    free: (buffer) => {
      exports.__unpin(buffer.handle as number);
      // The minimal runtime collects only when asked (and so needs no shadow stack, which
      // would cost a call per array access); one collection after a burst of frees, and at
      // once when much is waiting (a synchronous loop never reaches the microtask).
      garbage += buffer.length * 8; // bytes, at most (an Int32Array counts double)
      if (garbage > COLLECT_AFTER) collect();
      else if (!collectPending) {
        collectPending = true;
        queueMicrotask(() => {
          if (collectPending) collect();
        });
      }
    },
    memoryBytes: () => memory.buffer.byteLength,
    memory,
  };
}

let wasmBackend: Promise<Backend> | null = null;
let wasmLoaded: Backend | null = null;

function loadWasm(): Promise<Backend> {
  if (wasmBackend === null) {
    let memory: WebAssembly.Memory | null = null;
    const imports = {
      env: {
        abort(message: number, file: number, line: number, column: number) {
          const where = memory ? `${readString(memory, file)}:${line}:${column}` : `${line}:${column}`;
          throw new Error(`rovi: WASM kernel aborted: ${memory ? readString(memory, message) : ""} at ${where}`);
        },
      },
    };
    wasmBackend = WebAssembly.compile(wasmBytes()).then(async (module) => {
      const instance = await WebAssembly.instantiate(module, imports);
      memory = (instance.exports as unknown as WasmExports).memory;
      wasmLoaded = makeWasmBackend(instance);
      return wasmLoaded;
    });
    wasmBackend.catch(() => {
      wasmBackend = null; // let a later call retry
    });
  }
  return wasmBackend;
}

let bytes: Uint8Array<ArrayBuffer> | null = null;
function wasmBytes(): Uint8Array<ArrayBuffer> {
  return (bytes ??= decodeBase64(wasmBase64) as Uint8Array<ArrayBuffer>);
}

let usable: boolean | null = null;
/** Whether this engine can run the kernel module: WebAssembly with fixed-width SIMD. */
function wasmUsable(): boolean {
  return (usable ??= typeof WebAssembly === "object" && WebAssembly.validate(wasmBytes()));
}

/** The default backend: WASM where the engine runs it (WebAssembly with SIMD), else JS. */
export function defaultBackendName(): BackendName {
  return wasmUsable() ? "wasm" : "js";
}

/**
 * The backend for a synchronous call: the named one if it is ready, or for `undefined` the
 * WASM backend once loaded and the JS one until then (both give the same bits). Starts
 * loading WASM in the background. Throws if 'wasm' is asked for before it has loaded.
 */
export function backendNow(name: BackendName | undefined): Backend {
  if (name === "js") return jsBackend;
  if (wasmLoaded) return wasmLoaded;
  if (name === undefined) {
    if (defaultBackendName() === "wasm") loadWasm().catch(() => {});
    return jsBackend;
  }
  if (name === "wasm")
    throw new Error("rovi: the WASM backend is still loading; `await ready()` first, or pass backend: 'js'");
  throw rangeError("backend", "'wasm' or 'js'", name);
}

/** Resolves a backend by name; the WASM module is compiled once and cached. */
export async function getBackend(backend?: BackendName): Promise<Backend> {
  const name = backendOption("backend", backend) ?? defaultBackendName();
  if (name === "js") return jsBackend;
  if (!wasmUsable())
    throw new Error("rovi: backend 'wasm' needs WebAssembly with SIMD (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+), which this environment lacks; use backend: 'js'");
  return loadWasm();
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("rovi: needs a little-endian platform (typed-array word access in the JS kernels)");
}

/**
 * Loads a backend (default: WASM where available) and resolves once it is ready. Synchronous
 * target methods use WASM only after this; the async entry points await it themselves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(await ready("js"), "js"); // the pure-JS backend runs everywhere
 * const name = await ready(); // the default: "wasm" where WebAssembly SIMD runs
 * assert.ok(name === "wasm" || name === "js");
 * ```
 */
export async function ready(backend?: BackendName): Promise<BackendName> {
  return (await getBackend(backend)).name;
}
