// Targets cross to a worker as data: built-in ones as their specs, a custom one as the URL of
// a module and the name of its export (functions cannot be posted).
import type { LabelSwitchingOptions } from "../posteriors.js";
import { labelSwitchingPosterior } from "../posteriors.js";
import { customTarget, gaussian, gaussianMixture, GaussianMixture, isTarget, type GaussianMixtureSpec, type GaussianSpec, type Target } from "../targets.js";
import { Described, options, typeError } from "../validate.js";

/**
 * A target described as data. `module`: an absolute URL (or, in a page, one relative to the
 * document) of an ES module whose export `export` (default: "default") is a customTarget spec
 * `{ dim, logDensity, gradLogDensity?, normalized? }` or a target made with this library.
 */
export type TargetSource =
  | { gaussianMixture: GaussianMixtureSpec }
  | { gaussian: GaussianSpec }
  | { labelSwitchingPosterior: LabelSwitchingOptions }
  | { module: string | URL; export?: string };

/** What the worker entry points accept as a target: a source, or a mixture made in this thread. */
export type WorkerTarget = TargetSource | GaussianMixture;

const KINDS = ["gaussianMixture", "gaussian", "labelSwitchingPosterior", "module"] as const;

/** @internal Checks a target on the caller's side and turns it into postable data. */
export function targetSource(target: unknown): TargetSource {
  if (target instanceof GaussianMixture) {
    // the components hold the parsed spec; gaussianMixture() rebuilds the same descriptor from it
    const cs = target.components;
    return { gaussianMixture: { weights: cs.map((c) => c.weight), means: cs.map((c) => Array.from(c.mean)), covariances: cs.map((c) => c.covariance) } };
  }
  if (isTarget(target))
    throw typeError("target", "a Gaussian mixture or a target source ({ gaussianMixture }, { gaussian }, { labelSwitchingPosterior }, { module, export }): a custom target's functions cannot cross to a worker", new Described("a customTarget"));
  const o = options("target", target);
  const kinds = KINDS.filter((k) => k in o);
  if (kinds.length !== 1) throw typeError("target", `an object with exactly one of ${KINDS.join(", ")}`, target);
  if (kinds[0] !== "module") return o as TargetSource;
  if (o.export !== undefined && typeof o.export !== "string") throw typeError("target.export", "a string (the export's name)", o.export);
  let url: URL;
  try {
    url = new URL(String(o.module), (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    throw typeError("target.module", "an absolute URL (file:, http:, blob:, data:) of an ES module", o.module);
  }
  return { module: url.href, export: (o.export as string | undefined) ?? "default" };
}

/** @internal The target a source describes (in the worker). */
export async function resolveTarget(source: TargetSource): Promise<Target> {
  if ("gaussianMixture" in source) return gaussianMixture(source.gaussianMixture);
  if ("gaussian" in source) return gaussian(source.gaussian);
  if ("labelSwitchingPosterior" in source) return labelSwitchingPosterior(source.labelSwitchingPosterior);
  const name = source.export ?? "default";
  const mod = (await import(/* @vite-ignore */ String(source.module))) as Record<string, unknown>;
  if (!(name in mod)) throw typeError("target.export", `the name of an export of ${source.module}`, name);
  const value = mod[name];
  return isTarget(value) ? value : customTarget(value as Parameters<typeof customTarget>[0]);
}
