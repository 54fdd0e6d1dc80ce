// The sanity checks a fit's factors must pass before it may claim 'converged', and the
// warnings every result carries (docs/errors-and-limits.md lists them).
import { readCompact } from "./core/views.js";

/** Mass in the two outermost cells of a grid above which the factor counts as cut off. */
const EDGE_WARNING = 1e-6;
/** Share of a factor's mass in two cells (adjacent or not) above which its grid is too coarse for it. */
const COARSE = 0.9;
/** A sampled KL whose standard error exceeds this share of |kl| (and 1e-3) is flagged. */
const KL_ERROR_SHARE = 0.05;

/** What the checks found: warnings for the user, and whether the factors fail the sanity check. */
export interface FactorChecks {
  warnings: string[];
  /** Why the factors cannot be trusted (a factor squeezed into one or two cells), or null. */
  unreliable: string | null;
}

/** Checks the factors of a compact workspace: edge mass and resolution of each factor. */
export function checkFactors(compact: Float64Array): FactorChecks {
  const { G, grids } = readCompact(compact);
  const warnings: string[] = [];
  let unreliable: string | null = null;
  grids.forEach(({ mass }, i) => {
    const edge = Math.max(mass[0] + mass[1], mass[G - 1] + mass[G - 2]);
    if (edge > EDGE_WARNING)
      warnings.push(`factor ${i} has mass ${edge.toExponential(2)} in the two outermost cells of its grid: the grid cuts it off (widen options.bounds, or leave the grids adaptive)`);
    // the two heaviest cells: one mode in a cell, or two modes in a cell each (a bimodal factor)
    let [first, second] = [0, 0];
    for (let g = 0; g < G; g++) {
      if (mass[g] > first) [first, second] = [mass[g], first];
      else if (mass[g] > second) second = mass[g];
    }
    const pair = first + second;
    if (pair > COARSE) {
      const why = `factor ${i} has ${pair.toFixed(3)} of its mass in two of its ${G} cells: its grid is far wider than the factor, so its KL and shape are coarse (often a start far from the target's mass: try another init, rotationInit or restarts)`;
      warnings.push(why);
      unreliable ??= why;
    }
  });
  return { warnings, unreliable };
}

/** A warning for a Monte Carlo KL whose standard error is a large share of it, or null. */
export function klErrorWarning(kl: number, klError: number): string | null {
  if (!(klError > 1e-3 && klError > KL_ERROR_SHARE * Math.abs(kl))) return null;
  return `the KL estimate ${kl.toPrecision(4)} has a standard error of ${klError.toPrecision(2)} (more than ${KL_ERROR_SHARE * 100}% of it): raise options.klSamples`;
}
