// Langevin Monte Carlo (docs/algorithms.md §4), many chains per call.
//   proposal   y = x + h grad log pi(x) + sqrt(2h) xi,   xi ~ N(0, I)
//   ULA        x <- y
//   MALA       x <- y with probability min(1, pi(y) q(x | y) / (pi(x) q(y | x))),
//              q(a | b) = N(a; b + h grad log pi(b), 2h I). A NaN ratio is a rejection.
// Chain j draws only from RNG stream j (state[4 j ..]), d normals per step (fillNormal) and,
// for MALA, one uniform after them: a chain's path does not depend on how many chains run
// beside it, on how the steps are split over calls, or on the route (mixture kernel, or
// lmcPropose + the host's gradient + lmcAccept for custom targets): all give the same bits.
//
// Per-chain arrays: x, grad (n x d, row-major), logp (n; MALA only), info (Int32, 2 n):
//   info[2 j]     accepted moves (ULA: every finite move),
//   info[2 j + 1] the step (1-based) at which chain j diverged, or -1.
// ULA diverges when a proposal or the gradient there is not finite; the chain then stops
// (x keeps its last finite state) and its remaining draws are NaN. MALA rejects such
// proposals instead, so it never diverges from a finite start.
// Recorded draws: samples[(j draws + k) d + i], chain-major (chain, draw, coordinate).
import { log } from "./math";
import { fillNormal, uniformOpen } from "./random";
import { mixtureGradLogDensity } from "./targets";

function isFinite64(v: f64): bool {
  return v - v == 0.0;
}

/** y[yat + i] = x[xat + i] + h g[xat + i] + c y[yat + i], where y holds the normals. */
function move(x: Float64Array, g: Float64Array, xat: i32, y: Float64Array, yat: i32, d: i32, h: f64, c: f64): void {
  for (let i = 0; i < d; i++) y[yat + i] = x[xat + i] + h * g[xat + i] + c * y[yat + i];
}

/**
 * log of the MALA acceptance ratio for x -> y:
 * log pi(y) - log pi(x) + (|y - x - h g(x)|^2 - |x - y - h g(y)|^2) / (4 h).
 */
function logRatio(
  x: Float64Array,
  gx: Float64Array,
  xat: i32,
  lpx: f64,
  y: Float64Array,
  gy: Float64Array,
  yat: i32,
  lpy: f64,
  d: i32,
  h: f64,
): f64 {
  let forward = 0.0;
  let backward = 0.0;
  for (let i = 0; i < d; i++) {
    const a = y[yat + i] - x[xat + i] - h * gx[xat + i];
    const b = x[xat + i] - y[yat + i] - h * gy[yat + i];
    forward += a * a;
    backward += b * b;
  }
  return lpy - lpx + (forward - backward) / (4.0 * h);
}

/**
 * Finishes chain j's step from its proposal (y, gy at yat; lpy[lat]): accept or reject (MALA),
 * or move (ULA). Returns false when the chain diverged at this step.
 */
function finish(
  x: Float64Array,
  grad: Float64Array,
  logp: Float64Array,
  j: i32,
  d: i32,
  y: Float64Array,
  gy: Float64Array,
  yat: i32,
  lpy: Float64Array,
  lat: i32,
  h: f64,
  adjust: i32,
  rng: Int32Array,
  step: i32,
  info: Int32Array,
): bool {
  const xat = j * d;
  if (adjust != 0) {
    const ratio = logRatio(x, grad, xat, logp[j], y, gy, yat, lpy[lat], d, h);
    const u = uniformOpen(rng, 4 * j);
    if (!(log(u) < ratio)) return true; // rejected (also when ratio is NaN)
  } else {
    for (let i = 0; i < d; i++) {
      if (!isFinite64(y[yat + i]) || !isFinite64(gy[yat + i])) {
        info[2 * j + 1] = step;
        return false;
      }
    }
  }
  for (let i = 0; i < d; i++) {
    x[xat + i] = y[yat + i];
    grad[xat + i] = gy[yat + i];
  }
  logp[j] = lpy[lat];
  info[2 * j] = info[2 * j] + 1;
  return true;
}

function record(x: Float64Array, j: i32, d: i32, samples: Float64Array, draws: i32, k: i32): void {
  const at = (j * draws + k) * d;
  for (let i = 0; i < d; i++) samples[at + i] = x[j * d + i];
}

/** Marks draws k .. draws - 1 of chain j as NaN (the chain diverged). */
function abandon(j: i32, d: i32, samples: Float64Array, draws: i32, k: i32): void {
  for (let i = (j * draws + k) * d; i < (j + 1) * draws * d; i++) samples[i] = NaN;
}

/**
 * Advances n chains by `steps` steps on a mixture target t (descriptor), each chain in turn.
 * The state (x, grad, logp) must hold the gradient and log density at x. Recording: the
 * first step of this call is step `step0 + 1`; the next draw (index `draw`, < draws) is taken
 * after `countdown` steps (>= 1), and then every `thin` steps. Scratch: y, gy (d each), lpy (1),
 * work (K + K d). Returns the number of chains that diverged in this call.
 */
export function lmcMixture(
  t: Float64Array,
  x: Float64Array,
  grad: Float64Array,
  logp: Float64Array,
  n: i32,
  steps: i32,
  step0: i32,
  countdown: i32,
  draw: i32,
  thin: i32,
  h: f64,
  adjust: i32,
  rng: Int32Array,
  samples: Float64Array,
  draws: i32,
  info: Int32Array,
  y: Float64Array,
  gy: Float64Array,
  lpy: Float64Array,
  work: Float64Array,
): i32 {
  const d = (<i32>t[1]) | 0;
  const c = Math.sqrt(2.0 * h);
  let diverged = 0;
  for (let j = 0; j < n; j++) {
    if (info[2 * j + 1] >= 0) continue;
    let k = draw;
    let left = countdown;
    for (let s = 1; s <= steps; s++) {
      fillNormal(rng, 4 * j, y, 0, d);
      move(x, grad, j * d, y, 0, d, h, c);
      mixtureGradLogDensity(t, y, 1, lpy, gy, work);
      if (!finish(x, grad, logp, j, d, y, gy, 0, lpy, 0, h, adjust, rng, step0 + s, info)) {
        if (k < draws) abandon(j, d, samples, draws, k);
        diverged++;
        break;
      }
      if (k < draws) {
        left--;
        if (left == 0) {
          record(x, j, d, samples, draws, k);
          k++;
          left = thin;
        }
      }
    }
  }
  return diverged;
}

/**
 * First half of a step for targets the host evaluates: proposals y (n x d) for every chain.
 * A diverged chain proposes its own state (so every row of y stays finite for the host).
 */
export function lmcPropose(x: Float64Array, grad: Float64Array, n: i32, d: i32, h: f64, rng: Int32Array, y: Float64Array, info: Int32Array): void {
  const c = Math.sqrt(2.0 * h);
  for (let j = 0; j < n; j++) {
    if (info[2 * j + 1] >= 0) {
      for (let i = 0; i < d; i++) y[j * d + i] = x[j * d + i];
      continue;
    }
    fillNormal(rng, 4 * j, y, j * d, d);
    move(x, grad, j * d, y, j * d, d, h, c);
  }
}

/**
 * Second half: with gy, lpy the host's gradient and log density at the proposals, accepts or
 * moves every live chain; this is step `step`. `draw` is the index of the next draw not yet
 * taken; `take` = 1 records it at this step. Returns the number of chains that diverged.
 */
export function lmcAccept(
  x: Float64Array,
  grad: Float64Array,
  logp: Float64Array,
  n: i32,
  d: i32,
  h: f64,
  adjust: i32,
  rng: Int32Array,
  y: Float64Array,
  gy: Float64Array,
  lpy: Float64Array,
  step: i32,
  draw: i32,
  take: i32,
  samples: Float64Array,
  draws: i32,
  info: Int32Array,
): i32 {
  let diverged = 0;
  for (let j = 0; j < n; j++) {
    if (info[2 * j + 1] >= 0) continue;
    if (!finish(x, grad, logp, j, d, y, gy, j * d, lpy, j, h, adjust, rng, step, info)) {
      if (draw < draws) abandon(j, d, samples, draws, draw);
      diverged++;
    } else if (take != 0 && draw < draws) {
      record(x, j, d, samples, draws, draw);
    }
  }
  return diverged;
}
