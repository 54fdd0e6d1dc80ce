// The one place that knows how a fit is split over workers and merged back, bit for bit:
//  - RoVI restart r alone is rovi(t, { ...options, restartBlock: [r, r + 1] }): its KL on the
//    fit's common draws in `runs`, its fresh estimate in `kl`; the kept run is the first with
//    the lowest non-NaN KL in `runs`, and the restarts' disagreement is judged over all runs.
//  - LMC chains [a, b) alone are lmc(t, { ...options, chainBlock: [a, b] }) (their random
//    streams start at stream a); blocks are merged in chain order.
import { Approximation } from "../approximation.js";
import { lmcResult, type LmcOptions, type LmcResult } from "../lmc.js";
import { disagreement, type RoviOptions } from "../rovi.js";

const isCount = (v: unknown, max: number): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max;

/** One options object per restart, or null when the run cannot be split (then it runs whole). */
export function roviPieces(options: RoviOptions | undefined): RoviOptions[] | null {
  const restarts = options?.restarts ?? 1;
  if (!isCount(restarts, 1000) || restarts === 1 || options!.restartBlock !== undefined) return null;
  return Array.from({ length: restarts }, (_, r) => ({ ...options, restartBlock: [r, r + 1] as const }));
}

/** The restarts' results, in order, as rovi() with all of them returns it. */
export function mergeRovi(parts: Approximation[]): Approximation {
  // in one thread the runs stop at the first aborted one
  const aborted = parts.findIndex((q) => q.status === "aborted");
  const pieces = aborted < 0 ? parts : parts.slice(0, aborted + 1);
  // each piece's kept run: its lowest KL on the common draws
  const lowest = pieces.map((q) => Array.from(q.runs!).reduce((a, b) => (Number.isNaN(a) || b < a ? b : a)));
  let best = 0;
  lowest.forEach((kl, i) => {
    if (!Number.isNaN(kl) && (Number.isNaN(lowest[best]) || kl < lowest[best])) best = i;
  });
  const runs = pieces.flatMap((q) => Array.from(q.runs!));
  const runErrors = pieces.flatMap((q) => Array.from(q.runErrors!));
  const spread = disagreement(runs.map((kl, i) => ({ kl, klError: runErrors[i] })));
  const kept = pieces[best].toParts();
  return new Approximation({
    ...kept,
    warnings: spread ? [...kept.warnings, spread] : kept.warnings,
    runs: Float64Array.from(runs),
    runErrors: Float64Array.from(runErrors),
  });
}

/** Chain blocks [a, b) for `blocks` workers, or null when the run stays whole. */
export function lmcPieces(options: LmcOptions, blocks: number): LmcOptions[] | null {
  const chains = options.chains ?? 100;
  if (!isCount(chains, 2 ** 24) || blocks < 2 || chains < 2 || options.chainBlock !== undefined) return null;
  const k = Math.min(blocks, chains);
  return Array.from({ length: k }, (_, i) => ({ ...options, chainBlock: [Math.floor((i * chains) / k), Math.floor(((i + 1) * chains) / k)] as const }));
}

/** Chain blocks' results in chain order as one run of all chains (`final` false: their current states, mid-run). */
export function mergeLmc(parts: LmcResult[], final = true): LmcResult {
  const { method, backend, dim, steps, step, burnIn, thin, draws } = parts[0];
  const cat = <T extends Float64Array | Int32Array>(key: "samples" | "state" | "divergedAt", Kind: new (n: number) => T): T => {
    const out = new Kind(parts.reduce((n, p) => n + p[key].length, 0));
    parts.reduce((at, p) => (out.set(p[key], at), at + p[key].length), 0);
    return out;
  };
  const done = Math.min(...parts.map((p) => p.stepsDone));
  // accepted moves per chain: acceptance times the chain's proposals, an exact integer
  const accepted = Int32Array.from(
    parts.flatMap((p) => Array.from(p.acceptance, (a, j) => (Number.isNaN(a) ? 0 : Math.round(a * (p.divergedAt[j] >= 0 ? p.divergedAt[j] : p.stepsDone))))),
  );
  return lmcResult(
    { method, backend, dim, steps, step, burnIn, thin, draws },
    { samples: cat("samples", Float64Array), state: cat("state", Float64Array), accepted, divergedAt: cat("divergedAt", Int32Array), done, ...(final ? standing(parts) : { status: "running", stopMessage: "" }) },
  );
}

/** How the merged run ended: aborted if a block was, else completed. */
function standing(parts: LmcResult[]): { status: LmcResult["status"]; stopMessage: string } {
  // (diverged chains hide a block's abort in its status; its steps tell)
  const stopped = parts.find((p) => p.status === "aborted" || (p.status === "diverged" && p.stepsDone < p.steps));
  if (stopped) return { status: "aborted", stopMessage: `aborted by options.signal after ${Math.min(...parts.map((p) => p.stepsDone))} of ${stopped.steps} steps` };
  return { status: "completed", stopMessage: "" };
}
