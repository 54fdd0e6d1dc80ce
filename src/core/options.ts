// Option checks shared by every fit: the target argument, backend, seed, progress, signal and
// per-coordinate starts. Each throws TypeError / RangeError naming the option, rule and value.
import type { BackendName } from "../backend.js";
import { CustomTarget, isTarget, type Target } from "../targets.js";
import { Described, finite, knownKeys, oneOf, options, rangeError, seed as seedValue, typeError, vector } from "../validate.js";

/** The options every fit takes besides its own. */
export interface ControlConfig<Info> {
  backend: BackendName | undefined;
  seed: { lo: number; hi: number };
  onProgress: ((info: Info) => unknown) | null;
  signal: AbortSignal | null;
}

export const CONTROL_KEYS = ["backend", "seed", "onProgress", "signal"] as const;

/** The target argument; `gradientFor` names what needs grad log pi, when something does. */
export function targetArgument(target: unknown, gradientFor?: string): Target {
  if (!isTarget(target)) throw typeError("target", "a target made by gaussian(), gaussianMixture() or customTarget()", target);
  if (gradientFor && target instanceof CustomTarget && !target.hasGradient)
    throw typeError("target", `a target with a gradient (customTarget({ ..., gradLogDensity })) for ${gradientFor}`, new Described("a customTarget without gradLogDensity"));
  return target;
}

export function backendOption(name: string, value: unknown): BackendName | undefined {
  return value === undefined ? undefined : oneOf(name, value, ["wasm", "js"] as const);
}

export function signalOption(name: string, value: unknown): AbortSignal | null {
  if (value === undefined) return null;
  const ok = typeof value === "object" && value !== null && typeof (value as AbortSignal).aborted === "boolean";
  if (!ok) throw typeError(name, "an AbortSignal", value);
  return value as AbortSignal;
}

export function callbackOption<F>(name: string, value: unknown): F | null {
  if (value === undefined) return null;
  if (typeof value !== "function") throw typeError(name, "a function", value);
  return value as F;
}

/** backend, seed (default 0), onProgress and signal of an options object. */
export function controlOptions<Info>(o: Record<string, unknown>): ControlConfig<Info> {
  return {
    backend: backendOption("options.backend", o.backend),
    seed: seedValue("options.seed", o.seed === undefined ? 0 : o.seed),
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
