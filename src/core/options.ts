// Option checks shared by every fit: the target argument, backend, seed, progress, signal and
// per-coordinate starts. Each throws TypeError / RangeError naming the option, rule and value.
import type { BackendName } from "../backend.js";
import { CustomTarget, isTarget, type Target } from "../targets.js";
import { backendOption, callbackOption, Described, finite, knownKeys, MAX_VALUES, options, rangeError, seedOption, signalOption, typeError, vector } from "../validate.js";

export { backendOption, callbackOption, signalOption };

/** The options every fit takes besides its own. */
export interface ControlConfig<Info> {
  backend: BackendName | undefined;
  seed: { lo: number; hi: number };
  onProgress: ((info: Info) => unknown) | null;
  signal: AbortSignal | null;
}

export const CONTROL_KEYS = ["backend", "seed", "onProgress", "signal"] as const;

/**
 * Most coordinates of a variational fit (all but lmc): its result holds a dim x dim matrix
 * (a rotation).
 */
export const MAX_FIT_DIM = 2048;
/** Most cells G^d of the product grid that exact quadrature sums over in a sweep. */
export const MAX_EXACT_CELLS = 2 ** 24;
/** The same for a custom target, whose every cell is a point passed to the user's logDensity. */
export const MAX_EXACT_CUSTOM_CELLS = 2 ** 22;

/**
 * The target argument; `gradientFor` names what needs grad log pi, when something does, and
 * `maxDim`/`fit` the dimension cap and the fit it belongs to.
 */
export function targetArgument(target: unknown, gradientFor?: string, maxDim = MAX_FIT_DIM, fit = "a variational fit (its result holds a dim x dim matrix)"): Target {
  if (!isTarget(target)) throw typeError("target", "a target made by gaussian(), gaussianMixture() or customTarget()", target);
  if (gradientFor && target instanceof CustomTarget && !target.hasGradient)
    throw typeError("target", `a target with a gradient (customTarget({ ..., gradLogDensity })) for ${gradientFor}`, new Described("a customTarget without gradLogDensity"));
  if (target.dim > maxDim) throw rangeError("target.dim", `at most ${maxDim} for ${fit}`, target.dim);
  return target;
}

/**
 * The work caps of a CAVI sweep (mfvi, rovi), checked before any work: cells of the product
 * grid in exact quadrature, and the least batch of a custom target's logDensity in sampled
 * quadrature (one sample's line: gridSize points of dim coordinates).
 */
export function caviCaps(t: Target, exact: boolean, gridSize: number): void {
  const d = t.dim;
  const custom = t instanceof CustomTarget;
  const cells = custom ? MAX_EXACT_CUSTOM_CELLS : MAX_EXACT_CELLS;
  if (exact && gridSize ** d > cells)
    throw rangeError("options.gridSize", `at most ${Math.floor(cells ** (1 / d) + 1e-9)} for exact quadrature in ${d}-D${custom ? " of a custom target" : ""} (gridSize^${d} <= 2^${Math.log2(cells)} cells per sweep)`, gridSize);
  if (!exact && custom && gridSize * d > MAX_VALUES)
    throw rangeError("options.gridSize", `at most ${Math.floor(MAX_VALUES / d)} for a ${d}-D custom target (gridSize x dim <= 2^26 coordinates: a sample's line of points, the least batch of logDensity)`, gridSize);
}

/** backend, seed (default 0), onProgress and signal of an options object. */
export function controlOptions<Info>(o: Record<string, unknown>): ControlConfig<Info> {
  return {
    backend: backendOption("options.backend", o.backend),
    seed: seedOption("options.seed", o.seed),
    onProgress: callbackOption("options.onProgress", o.onProgress),
    signal: signalOption("options.signal", o.signal),
  };
}

/** A number for every coordinate, or d numbers; `positive` asks each to be > 0. */
export function perCoordinate(name: string, value: unknown, d: number, positive: boolean): Float64Array {
  const v = typeof value === "number" ? new Float64Array(d).fill(finite(name, value)) : vector(name, value, d);
  if (positive)
    v.forEach((x, i) => {
      if (!(x > 0)) throw rangeError(typeof value === "number" ? name : `${name}[${i}]`, "positive", x);
    });
  return v;
}

/** Starting factors `{ center, scale }` (numbers apply to every coordinate). */
export function factorStart(name: string, value: unknown, d: number): { center: Float64Array; scale: Float64Array } {
  const i = options(name, value);
  knownKeys(name, i, ["center", "scale"]);
  return { center: perCoordinate(`${name}.center`, i.center, d, false), scale: perCoordinate(`${name}.scale`, i.scale, d, true) };
}
