// Results as structured-clone data: an Approximation becomes the FitResult it was built from
// (its factors workspace and a few numbers) and is rebuilt on the receiving side; LMC and SVD
// results are plain objects already. Typed arrays that own their whole buffer are transferred.
import { Approximation, type ApproximationParts } from "../approximation.js";
import type { SvdResult } from "../linalg.js";
import type { LmcResult } from "../lmc.js";

/** An Approximation as data: what `approximationFromData` rebuilds it from. */
export type ApproximationData = ApproximationParts;

/**
 * The data of an Approximation, to post to another thread or store as JSON-free binary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const q = await mfvi(gaussian({ mean: [0, 0], covariance: 1 }));
 * const back = approximationFromData(structuredClone(approximationToData(q)));
 * assert.equal(back.kl, q.kl);
 * ```
 */
export function approximationToData(q: Approximation): ApproximationData {
  if (!(q instanceof Approximation)) throw new TypeError(`q must be an Approximation; got ${typeof q}`);
  return q.toParts();
}

/**
 * An Approximation (with working sample, logDensity and marginals) from approximationToData's data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const q = await mfvi(gaussian({ mean: [1, 0], covariance: 1 }));
 * const copy = approximationFromData(approximationToData(q)); // e.g. after postMessage
 * assert.deepEqual(copy.sample(4, { seed: 1 }), q.sample(4, { seed: 1 }));
 * ```
 */
export function approximationFromData(data: ApproximationData): Approximation {
  if (typeof data !== "object" || data === null || !(data.factors instanceof Float64Array))
    throw new TypeError("data must be an Approximation's data (from approximationToData); got no factors");
  return new Approximation(data);
}

export type FitOutput = Approximation | LmcResult | SvdResult;

/** @internal A result on its way between threads. */
export type Wire = { kind: "approximation"; data: ApproximationData } | { kind: "plain"; value: LmcResult | SvdResult };

/** @internal A result as wire data, and the buffers to transfer with it. */
export function toWire(result: FitOutput): { wire: Wire; transfer: ArrayBuffer[] } {
  const wire: Wire = result instanceof Approximation ? { kind: "approximation", data: approximationToData(result) } : { kind: "plain", value: result };
  return { wire, transfer: ownBuffers(wire.kind === "approximation" ? wire.data : wire.value) };
}

/** @internal The result a Wire stands for. */
export function fromWire(wire: Wire): FitOutput {
  return wire.kind === "approximation" ? approximationFromData(wire.data) : wire.value;
}

/**
 * The buffers of an object's typed arrays that view the whole buffer (never a view into a
 * larger one, such as WASM memory), each once; none empty (Node drops a message whose
 * transfer list holds a detached buffer, without an error).
 */
function ownBuffers(value: object): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of Object.values(value))
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength > 0 && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
  return [...out];
}
