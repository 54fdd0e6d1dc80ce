// Coordinate ascent (CAVI) for a product of histogram factors, in coordinates y with x = O y
// (O = identity for MFVI, the learned rotation for RoVI). One update of factor i:
//   e_g = E[V(O y) | y_i = t_g] over samples of the other coordinates (weights w_s),
//   log mu_i(t_g) = -beta e_g + const, then damping, grid adaptation, bookkeeping.
// Everything lives in one workspace array `ws` whose layout is written into its header by
// mfviInit; the host reads factors and statistics through the same offsets.
import { heldUniform, hold, release, uniform } from "./random";
import { exp, log } from "./math";
import { HEADER, offFactors, offMeans, KIND_FULL } from "./targets";
import { centre, cumulate, entropy, histLogDensity, mixedEdges, normaliseLog, quantile, quantileRow, rebin, uniformEdges } from "./histogram";
import { axpy, lineRows, matVecSkipping } from "./vector";
import { matrixTimesRows } from "./matrix";
import { lineExpectation } from "./blocks";

// header slots
export const H_D = 0;
export const H_G = 1;
export const H_S = 2; // samples per expectation (sampled) or capacity (exact)
export const H_K = 3; // mixture components; 0 for a generic target
export const H_BETA = 4;
export const H_DAMPING = 5;
export const H_EXACT = 6;
export const H_EDGE = 7; // edge mass that widens a grid
export const H_SEFF = 8; // samples in use for the current coordinate
export const H_MAXTV = 11; // largest total-variation change of a factor in this sweep
export const H_EV = 12; // E_mu[V] after the last update (untempered)
export const H_ENTROPY = 13; // sum_i H(mu_i)
export const H_ADAPT = 14; // grid changes in this sweep
// offsets of the arrays (slots 16..)
export const O_X = 16; // d x (G + 1) cell edges of the factors' grids
export const O_T = 17; // G cell centres of the grid being updated (work)
export const O_P = 18; // d x G masses
export const O_CUM = 19; // d x (G + 1) cumulative masses
export const O_E = 20; // G expectations
export const O_L = 21; // G log weights (work)
export const O_OLD = 22; // G + 1 previous cumulative masses of the factor being updated
export const O_OLDX = 31; // G + 1 previous cell edges of that factor, G + 1 proposed edges, G + 1 placement CDF (work)
export const O_U = 23; // S x d design uniforms (common random numbers, fixed per fit)
export const O_Y = 24; // S x d samples, y-coordinates
export const O_W = 25; // S sample weights
export const O_ROT = 26; // d x d rotation O, row-major
export const O_WMAT = 27; // K x d x d: W_k = L_k^-1 O
export const O_MZ = 28; // K x d: L_k^-1 m_k
export const O_Z = 29; // K x S x d: z_{k,s} = W_k y_s - L_k^-1 m_k
export const O_ABC = 30; // 3 K line coefficients, 2 K log terms (work)
export const HEADER_SIZE = 32;
/** Share of a grid's cells placed by its factor (by mu_i^(1/3)); the rest are spread evenly over the grid. */
export const FACTOR_SHARE = 0.75;

function slot(ws: Float64Array, h: i32): i32 {
  return (<i32>ws[h]) | 0;
}

/** Workspace length for dimension d, G cells, S samples, K components. */
export function mfviSize(d: i32, G: i32, S: i32, K: i32): i32 {
  return HEADER_SIZE + 2 * d * (G + 1) + d * G + 3 * G + 4 * (G + 1) + 2 * S * d + S + d * d + K * d * d + K * d + K * S * d + 5 * K;
}

/** Writes the header of a fresh workspace (see the slot list above). */
export function mfviInit(ws: Float64Array, d: i32, G: i32, S: i32, K: i32, beta: f64, damping: f64, exact: i32, edge: f64): void {
  ws[H_D] = <f64>d;
  ws[H_G] = <f64>G;
  ws[H_S] = <f64>S;
  ws[H_K] = <f64>K;
  ws[H_BETA] = beta;
  ws[H_DAMPING] = damping;
  ws[H_EXACT] = <f64>exact;
  ws[H_EDGE] = edge;
  let at = HEADER_SIZE;
  ws[O_X] = <f64>at;
  at += d * (G + 1);
  ws[O_T] = <f64>at;
  at += G;
  ws[O_P] = <f64>at;
  at += d * G;
  ws[O_CUM] = <f64>at;
  at += d * (G + 1);
  ws[O_E] = <f64>at;
  at += G;
  ws[O_L] = <f64>at;
  at += G;
  ws[O_OLD] = <f64>at;
  at += G + 1;
  ws[O_OLDX] = <f64>at;
  at += 3 * (G + 1);
  ws[O_U] = <f64>at;
  at += S * d;
  ws[O_Y] = <f64>at;
  at += S * d;
  ws[O_W] = <f64>at;
  at += S;
  ws[O_ROT] = <f64>at;
  at += d * d;
  ws[O_WMAT] = <f64>at;
  at += K * d * d;
  ws[O_MZ] = <f64>at;
  at += K * d;
  ws[O_Z] = <f64>at;
  at += K * S * d;
  ws[O_ABC] = <f64>at;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) ws[slot(ws, O_ROT) + i * d + j] = i == j ? 1.0 : 0.0;
}

/** Sets factor i to N(c, s^2) discretised on [c - 8 s, c + 8 s]. */
export function mfviInitFactor(ws: Float64Array, i: i32, c: f64, s: f64): void {
  const G = slot(ws, H_G);
  const x = slot(ws, O_X) + i * (G + 1);
  uniformEdges(ws, x, G, c - 8.0 * s, c + 8.0 * s);
  const l = slot(ws, O_L);
  for (let k = 0; k < G; k++) {
    const z = (centre(ws, x, k) - c) / s;
    ws[l + k] = -0.5 * z * z;
  }
  const p = slot(ws, O_P) + i * G;
  normaliseLog(ws, l, G, ws, p);
  cumulate(ws, p, G, ws, slot(ws, O_CUM) + i * (G + 1));
}

/**
 * Sets factor i to factor i of the workspace `src` (G_src <= G cells: a tempered stage's
 * coarser fit) on a grid placed for it (placeFactor with r = 1).
 */
export function mfviTransferFactor(ws: Float64Array, i: i32, src: Float64Array): void {
  const Gs = slot(src, H_G);
  placeFactor(ws, i, src, slot(src, O_P) + i * Gs, slot(src, O_CUM) + i * (Gs + 1), slot(src, O_X) + i * (Gs + 1), Gs, 1.0);
}

/** Raises factor i to the power r, renormalised, on a grid placed anew for it (placeFactor). */
export function mfviTemperFactor(ws: Float64Array, i: i32, r: f64): void {
  const G = slot(ws, H_G);
  mfviBeginCoordinate(ws, i); // its cumulative masses and edges into O_OLD, O_OLDX
  placeFactor(ws, i, ws, slot(ws, O_P) + i * G, slot(ws, O_OLD), slot(ws, O_OLDX), G, r);
}

/**
 * Sets factor i to mu^r renormalised, mu the histogram of Gs <= G cells with masses src[ps ..],
 * cumulative masses src[cs ..] and edges src[xs ..]: the grid spans mu^r's central 1 - 2e-9 of
 * the mass plus tailMargin(G) on each side and is placed by its cube-root measure as adaptGrid
 * places grids, and each new cell gets mu^r's mass over it. Since log mu = -beta e, r = beta' / beta
 * gives the coordinate update at the next tempering stage's beta' before e is recomputed, so
 * that stage's first sweep starts on grids that already fit it. src may be ws when cs, xs
 * are not factor i's own (mfviTemperFactor).
 */
function placeFactor(ws: Float64Array, i: i32, src: Float64Array, ps: i32, cs: i32, xs: i32, Gs: i32, r: f64): void {
  const G = slot(ws, H_G);
  const p = slot(ws, O_P) + i * G;
  const x = slot(ws, O_X) + i * (G + 1);
  const powered = slot(ws, O_OLDX) + G + 1; // mu^r's cumulative masses when r != 1 (work)
  const place = powered + G + 1;
  let from = src;
  let fp = ps;
  let fc = cs;
  if (r != 1.0) {
    // log of mass w (m / w)^r, for mass m on a cell of width w; mu^r's masses go to p (work)
    const l = slot(ws, O_L);
    for (let k = 0; k < Gs; k++) {
      const m = src[ps + k];
      ws[l + k] = m > 0.0 ? r * log(m) + (1.0 - r) * log(src[xs + k + 1] - src[xs + k]) : -Infinity;
    }
    normaliseLog(ws, l, Gs, ws, p);
    cumulate(ws, p, Gs, ws, powered);
    from = ws;
    fp = p;
    fc = powered;
  }
  placementCdf(from, fp, src, xs, Gs, ws, place);
  const qa = quantile(from, fc, Gs, src, xs, 1e-9);
  const qb = quantile(from, fc, Gs, src, xs, 1.0 - 1e-9);
  const span = Math.max(qb - qa, (src[xs + Gs] - src[xs]) / <f64>Gs);
  const margin = tailMargin(G) * span;
  mixedEdges(ws, place, Gs, src, xs, qa - margin, qb + margin, FACTOR_SHARE, ws, x, G);
  rebin(from, fc, Gs, src, xs, ws, x, G, ws, p);
  let total = 0.0;
  for (let k = 0; k < G; k++) total += ws[p + k];
  for (let k = 0; k < G; k++) ws[p + k] /= total;
  cumulate(ws, p, G, ws, slot(ws, O_CUM) + i * (G + 1));
}

/** buf[at + s stride] = a uniformly random permutation of 0 .. n - 1 (Fisher-Yates): the strata of a Latin-hypercube column. */
function permutedStrata(buf: Float64Array, at: i32, stride: i32, n: i32, rng: Int32Array): void {
  for (let s = 0; s < n; s++) buf[at + s * stride] = <f64>s;
  hold(rng, 0);
  for (let s = n - 1; s > 0; s--) {
    const r = (<i32>Math.floor(heldUniform() * <f64>(s + 1))) | 0;
    const a = buf[at + s * stride];
    buf[at + s * stride] = buf[at + r * stride];
    buf[at + r * stride] = a;
  }
  release(rng, 0);
}

/**
 * Fills the design: for each coordinate j an independent Latin-hypercube column
 * u_{s,j} = (perm_j(s) + v) / S. For the fit, v = 1/2 (`jitter` = 0): each coordinate's
 * samples form a midpoint rule, fixed for the fit (common random numbers), so the coordinate
 * updates are a deterministic map whose iteration settles. For an unbiased estimate, v is
 * uniform in [0, 1) (`jitter` = 1): every sample is then an exact draw from its factor.
 */
export function mfviDesign(ws: Float64Array, rng: Int32Array, jitter: i32): void {
  const d = slot(ws, H_D);
  const S = slot(ws, H_S);
  const u = slot(ws, O_U);
  for (let j = 0; j < d; j++) {
    permutedStrata(ws, u + j, d, S, rng);
    for (let s = 0; s < S; s++) ws[u + s * d + j] = (ws[u + s * d + j] + (jitter != 0 ? uniform(rng, 0) : 0.5)) / <f64>S;
  }
}

/** Sample s, coordinate j, drawn from factor j by its inverse CDF at the design's u. */
function drawSample(ws: Float64Array, s: i32, j: i32): f64 {
  const d = slot(ws, H_D);
  const G = slot(ws, H_G);
  return quantile(ws, slot(ws, O_CUM) + j * (G + 1), G, ws, slot(ws, O_X) + j * (G + 1), ws[slot(ws, O_U) + s * d + j]);
}

/**
 * For a mixture target t: W_k = L_k^-1 O and L_k^-1 m_k (after the rotation changes).
 */
export function mfviSetTarget(ws: Float64Array, t: Float64Array): void {
  const d = slot(ws, H_D);
  const K = slot(ws, H_K);
  const rot = slot(ws, O_ROT);
  const wm = slot(ws, O_WMAT);
  const mz = slot(ws, O_MZ);
  const fo = offFactors(t);
  const mo = offMeans(t);
  const full = (<i32>t[0]) == KIND_FULL;
  for (let k = 0; k < K; k++) {
    for (let c = 0; c <= d; c++) {
      // column c of O (c < d), or m_k (c == d), solved by forward substitution
      for (let r = 0; r < d; r++) {
        let v = c < d ? ws[rot + r * d + c] : t[mo + k * d + r];
        if (full) {
          const row = fo + k * d * d + r * d;
          for (let q = 0; q < r; q++) v -= t[row + q] * (c < d ? ws[wm + k * d * d + q * d + c] : ws[mz + k * d + q]);
          v *= t[row + r];
        } else {
          v *= t[fo + k * d + r];
        }
        if (c < d) ws[wm + k * d * d + r * d + c] = v;
        else ws[mz + k * d + r] = v;
      }
    }
  }
}

/** z_{k,s} = W_k y_s - L_k^-1 m_k for samples s < count (mixture targets). */
function computeZ(ws: Float64Array, count: i32): void {
  const d = slot(ws, H_D);
  const K = slot(ws, H_K);
  const S = slot(ws, H_S);
  const y = slot(ws, O_Y);
  const wm = slot(ws, O_WMAT);
  const mz = slot(ws, O_MZ);
  const z = slot(ws, O_Z);
  for (let k = 0; k < K; k++) {
    for (let s = 0; s < count; s++) {
      const zs = z + (k * S + s) * d;
      for (let r = 0; r < d; r++) {
        const row = wm + k * d * d + r * d;
        let v = -ws[mz + k * d + r];
        for (let c = 0; c < d; c++) v += ws[row + c] * ws[y + s * d + c];
        ws[zs + r] = v;
      }
    }
  }
}

/**
 * Sampled mode: draws every sample from the current factors (weights 1/S) and, for a
 * mixture, recomputes z from scratch (bounding drift from the incremental updates).
 */
export function mfviRefreshSamples(ws: Float64Array): void {
  const d = slot(ws, H_D);
  const S = slot(ws, H_S);
  const y = slot(ws, O_Y);
  for (let s = 0; s < S; s++) {
    for (let j = 0; j < d; j++) ws[y + s * d + j] = drawSample(ws, s, j);
    ws[slot(ws, O_W) + s] = 1.0 / <f64>S;
  }
  ws[H_SEFF] = <f64>S;
  if (slot(ws, H_K) > 0) computeZ(ws, S);
}

/**
 * Exact mode (small d): the samples for coordinate i are all cells of the other coordinates'
 * grids, at their centres, weighted by the product of their masses; cells of zero weight are
 * left out (they add nothing). Coordinate i of each sample is set to 0.
 */
export function mfviExactSamples(ws: Float64Array, i: i32): void {
  const d = slot(ws, H_D);
  const G = slot(ws, H_G);
  const y = slot(ws, O_Y);
  const w = slot(ws, O_W);
  const p = slot(ws, O_P);
  let total = 1;
  for (let j = 0; j < d - 1; j++) total *= G;
  let count = 0;
  for (let n = 0; n < total; n++) {
    let rest = n;
    let weight = 1.0;
    for (let j = 0; j < d; j++) {
      if (j == i) {
        ws[y + count * d + j] = 0.0;
        continue;
      }
      const k = rest % G;
      rest = (rest / G) | 0;
      weight *= ws[p + j * G + k];
      ws[y + count * d + j] = centre(ws, slot(ws, O_X) + j * (G + 1), k);
    }
    if (weight > 0.0) {
      ws[w + count] = weight;
      count++;
    }
  }
  ws[H_SEFF] = <f64>count;
  if (slot(ws, H_K) > 0) computeZ(ws, count);
}

/** Remembers factor i before its update (for the total-variation change and damping). */
export function mfviBeginCoordinate(ws: Float64Array, i: i32): void {
  const G = slot(ws, H_G);
  const cum = slot(ws, O_CUM) + i * (G + 1);
  const old = slot(ws, O_OLD);
  const x = slot(ws, O_X) + i * (G + 1);
  const oldx = slot(ws, O_OLDX);
  for (let k = 0; k <= G; k++) {
    ws[old + k] = ws[cum + k];
    ws[oldx + k] = ws[x + k];
  }
}

/** The centres of factor i's cells into O_T (the points t_g of its update); returns O_T. */
function gridPoints(ws: Float64Array, i: i32): i32 {
  const G = slot(ws, H_G);
  const x = slot(ws, O_X) + i * (G + 1);
  const t = slot(ws, O_T);
  for (let g = 0; g < G; g++) ws[t + g] = centre(ws, x, g);
  return t;
}

/** c_k = |W_k e_i|^2 for every component k into the line coefficients (O_ABC): the t^2 term of a line along coordinate i. */
function lineCurvatures(ws: Float64Array, i: i32): void {
  const d = slot(ws, H_D);
  const K = slot(ws, H_K);
  const wm = slot(ws, O_WMAT);
  const abc = slot(ws, O_ABC);
  for (let k = 0; k < K; k++) {
    let c = 0.0;
    for (let r = 0; r < d; r++) {
      const v = ws[wm + k * d * d + r * d + i];
      c += v * v;
    }
    ws[abc + 3 * k + 2] = c;
  }
}

/**
 * e_g = sum_s w_s V(x_s(t_g)) along coordinate i for a mixture target: for each sample and
 * component the quadratic form is a quadratic in t, so after O(K d) set-up per sample the
 * G grid points cost O(K) each.
 */
export function mfviMixtureExpectation(ws: Float64Array, t: Float64Array, i: i32): void {
  const d = slot(ws, H_D);
  const G = slot(ws, H_G);
  const K = slot(ws, H_K);
  const S = slot(ws, H_S);
  const count = slot(ws, H_SEFF);
  const y = slot(ws, O_Y);
  const wts = slot(ws, O_W);
  const wm = slot(ws, O_WMAT);
  const z = slot(ws, O_Z);
  const abc = slot(ws, O_ABC); // per k: a = |z0|^2, b = z0 . w, c = |w|^2
  const e = slot(ws, O_E);
  const tg = gridPoints(ws, i);
  for (let g = 0; g < G; g++) ws[e + g] = 0.0;
  lineCurvatures(ws, i);
  for (let s = 0; s < count; s++) {
    const yi = ws[y + s * d + i];
    for (let k = 0; k < K; k++) {
      // z0: sample s's z without coordinate i's contribution; w = W_k e_i
      const zs = z + (k * S + s) * d;
      let a = 0.0;
      let b = 0.0;
      for (let r = 0; r < d; r++) {
        const col = ws[wm + k * d * d + r * d + i];
        const z0 = ws[zs + r] - col * yi;
        a += z0 * z0;
        b += z0 * col;
      }
      ws[abc + 3 * k] = a;
      ws[abc + 3 * k + 1] = b;
    }
    // V = -log pi: the log-sum-exp of the K log terms at each grid point
    lineExpectation(ws, abc, K, t, HEADER, ws, tg, G, ws[wts + s], ws, e);
  }
}

/**
 * Generic targets: the x-coordinates of the points (sample s, grid point g) along coordinate i
 * for the samples s in [from, to), row-major into X ((to - from) G rows of d, then d more
 * numbers of work: column i of O). x = O (y_s with y_i = t_g) = b_s + t_g O e_i, where
 * b_s = O (y_s with y_i = 0): one d x d product per sample, then an axpy per grid point.
 */
export function mfviLinePoints(ws: Float64Array, i: i32, X: Float64Array, from: i32, to: i32): void {
  const d = slot(ws, H_D);
  const G = slot(ws, H_G);
  const y = slot(ws, O_Y);
  const rot = slot(ws, O_ROT);
  const t = gridPoints(ws, i);
  const column = (to - from) * G * d; // O e_i, contiguous
  for (let r = 0; r < d; r++) X[column + r] = ws[rot + r * d + i];
  for (let s = from; s < to; s++) {
    const base = (s - from) * G * d; // b_s in the sample's first row, which is written last
    matVecSkipping(ws, rot, d, d, ws, y + s * d, i, X, base);
    lineRows(X, base, G, ws, t, X, column, d);
  }
}

/**
 * Generic targets: e_g = -sum_s w_s log pi(x_{s,g}) from the host's evaluation of the line
 * points, for the samples s in [from, to) (logp holds theirs, (to - from) G values), added in
 * the order of s: batches in turn from 0 to the sample count give the one sum (from = 0
 * starts it).
 */
export function mfviGenericExpectation(ws: Float64Array, logp: Float64Array, from: i32, to: i32): void {
  const G = slot(ws, H_G);
  const e = slot(ws, O_E);
  const wts = slot(ws, O_W);
  if (from == 0) for (let g = 0; g < G; g++) ws[e + g] = 0.0;
  for (let s = from; s < to; s++) axpy(ws, e, -ws[wts + s], logp, (s - from) * G, G); // e - w l is e + (-w) l exactly
}

/** E_mu[V] = sum_k p_ik e_k from the expectations along coordinate i (in O_E). */
export function mfviExpectedPotential(ws: Float64Array, i: i32): f64 {
  const G = slot(ws, H_G);
  const p = slot(ws, O_P) + i * G;
  const e = slot(ws, O_E);
  let ev = 0.0;
  for (let k = 0; k < G; k++) ev += ws[p + k] * ws[e + k];
  return ev;
}

/** Starts a sweep: resets its statistics; in sampled mode redraws all samples. */
export function mfviBeginSweep(ws: Float64Array): void {
  ws[H_MAXTV] = 0.0;
  ws[H_ADAPT] = 0.0;
  if (ws[H_EXACT] == 0.0) mfviRefreshSamples(ws);
}

/**
 * The measure a factor's cells are placed by, nu proportional to mu^(1/3), for the histogram
 * with masses p[pat ..] on edges x[xat ..] (G cells), as a CDF on those edges into
 * out[oat .. oat + G]: cell k weighs w_k (p_k / w_k)^(1/3). A grid's
 * O(w^2) KL loss, sum_k p_k w_k^2 U'(x_k)^2 / 24, is least for cell widths proportional to
 * (mu U'^2)^(-1/3); the cube root of the density alone gets most of that gain (on a Gaussian,
 * within 1.8x of that optimum and 3x below cells that follow mu) without a derivative of U,
 * and reaches into the tails, where the contours of a rotated fit are drawn.
 */
function placementCdf(p: Float64Array, pat: i32, x: Float64Array, xat: i32, G: i32, out: Float64Array, oat: i32): void {
  let s = 0.0;
  out[oat] = 0.0;
  for (let k = 0; k < G; k++) {
    const m = p[pat + k];
    if (m > 0.0) s += exp((log(m) + 2.0 * log(x[xat + k + 1] - x[xat + k])) / 3.0);
    out[oat + k + 1] = s;
  }
  for (let k = 1; k <= G; k++) out[oat + k] /= s;
  out[oat + G] = 1.0;
}

/**
 * The margin, as a share of the span between a factor's 1e-9 and 1 - 1e-9 quantiles, that a
 * grid of G cells placed for it gets beyond them on each side: 10%, or more on coarse grids,
 * so that its two outermost cells lie beyond the quantiles (they then hold less than the edge
 * mass, and the grid is not widened at once). A cell of mixedEdges is at most
 * (1 + 2m) span / ((1 - FACTOR_SHARE) G) wide, so m >= c / (1 - 2c) with c = 2 / ((1 -
 * FACTOR_SHARE) G): 1/6 at G = 64, 10% from G = 113; 1 (at most) for G <= 24.
 */
function tailMargin(G: i32): f64 {
  const c = 2.0 / ((1.0 - FACTOR_SHARE) * <f64>G);
  return 3.0 * c >= 1.0 ? 1.0 : Math.max(0.1, c / (1.0 - 2.0 * c));
}

/**
 * Whether some cell of factor i holds more than twice its share 1/G of the measure its grid
 * is placed by, (1 - FACTOR_SHARE) Uniform(grid) + FACTOR_SHARE nu_i (nu_i's CDF in place):
 * the factor has moved or narrowed since, and its grid no longer follows it.
 */
function unbalanced(ws: Float64Array, i: i32, place: i32): bool {
  const G = slot(ws, H_G);
  const x = slot(ws, O_X) + i * (G + 1);
  const width = ws[x + G] - ws[x];
  for (let k = 0; k < G; k++) {
    const share = (1.0 - FACTOR_SHARE) * ((ws[x + k + 1] - ws[x + k]) / width) + FACTOR_SHARE * (ws[place + k + 1] - ws[place + k]);
    if (share * <f64>G > 2.0) return true;
  }
  return false;
}

/**
 * Proposes a new grid for factor i (masses in p, cumulative masses in cum): wider where mass
 * reaches an edge, narrower when the span between the 1e-9 and 1 - 1e-9 quantiles is less than
 * 40% of it (the new grid is that span plus 10% on each side: a tempered start leaves grids far
 * too wide), and re-placed when unbalanced. The new cells follow the factor (mixedEdges of
 * placementCdf): coarse cells cost KL in proportion to the mass they hold times their width
 * squared. Returns 1
 * if the grid changed, 0 if not, -3 if it would have to widen past the largest finite number.
 */
function adaptGrid(ws: Float64Array, i: i32): i32 {
  const G = slot(ws, H_G);
  const p = slot(ws, O_P) + i * G;
  const cum = slot(ws, O_CUM) + i * (G + 1);
  const x = slot(ws, O_X) + i * (G + 1);
  const lo = ws[x];
  const hi = ws[x + G];
  const width = hi - lo;
  const edge = ws[H_EDGE];
  const proposed = slot(ws, O_OLDX) + G + 1;
  const place = proposed + G + 1;
  placementCdf(ws, p, ws, x, G, ws, place);
  let newLo = lo;
  let newHi = hi;
  const lowEdge = ws[p] + ws[p + 1] > edge;
  const highEdge = ws[p + G - 1] + ws[p + G - 2] > edge;
  if (lowEdge || highEdge) {
    if (lowEdge) newLo = lo - 0.5 * width;
    if (highEdge) newHi = hi + 0.5 * width;
    if (!(newHi - newLo < Infinity)) return -3;
  } else {
    const qa = quantile(ws, cum, G, ws, x, 1e-9);
    const qb = quantile(ws, cum, G, ws, x, 1.0 - 1e-9);
    const span = Math.max(qb - qa, width / <f64>G);
    const m = tailMargin(G);
    // too wide by 2.5 / 1.2 times the new width (2.5 at m = 0.1, the same bits): a grid just
    // widened on both sides (2x) is not narrowed again
    if (width > (2.5 + (m - 0.1) * (25.0 / 6.0)) * span) {
      newLo = qa - m * span;
      newHi = qb + m * span;
    } else if (!unbalanced(ws, i, place)) return 0;
  }
  mixedEdges(ws, place, G, ws, x, newLo, newHi, FACTOR_SHARE, ws, proposed, G);
  // cells too narrow to tell their edges apart: keep the grid
  for (let k = 0; k < G; k++) if (!(ws[proposed + k + 1] > ws[proposed + k])) return 0;
  for (let k = 0; k <= G; k++) ws[x + k] = ws[proposed + k];
  ws[H_ADAPT] += 1.0;
  return 1;
}

/**
 * Finishes the update of factor i from e (in O_E): log mu_i = -beta e, normalised; then,
 * if `adapt`, a grid change (returns 1: recompute e on the new grid and call again);
 * otherwise damping against the factor before the update, its total-variation change,
 * and the samples of coordinate i. Returns 0, or -1 when e has a NaN, -2 when the density
 * is zero on the whole grid, -3 when the grid cannot widen to hold the factor.
 */
export function mfviFinishCoordinate(ws: Float64Array, i: i32, adapt: i32): i32 {
  const d = slot(ws, H_D);
  const G = slot(ws, H_G);
  const S = slot(ws, H_S);
  const K = slot(ws, H_K);
  const e = slot(ws, O_E);
  const l = slot(ws, O_L);
  const p = slot(ws, O_P) + i * G;
  const cum = slot(ws, O_CUM) + i * (G + 1);
  const beta = ws[H_BETA];
  const x = slot(ws, O_X) + i * (G + 1);
  for (let g = 0; g < G; g++) {
    const v = ws[e + g];
    if (v != v) return -1;
    // mass of cell g: its width times the density exp(-beta e_g) at its centre
    ws[l + g] = log(ws[x + g + 1] - ws[x + g]) - beta * v;
  }
  if (normaliseLog(ws, l, G, ws, p) == 0) return -2;
  cumulate(ws, p, G, ws, cum);
  if (adapt != 0) {
    const r = adaptGrid(ws, i);
    if (r != 0) return r;
  }
  // the factor before the update, re-binned onto the current grid, into l
  rebin(ws, slot(ws, O_OLD), G, ws, slot(ws, O_OLDX), ws, slot(ws, O_X) + i * (G + 1), G, ws, l);
  let inside = 0.0;
  for (let k = 0; k < G; k++) inside += ws[l + k];
  const damping = ws[H_DAMPING];
  if (damping > 0.0) {
    let s = 0.0;
    for (let k = 0; k < G; k++) {
      const v = (1.0 - damping) * ws[p + k] + damping * ws[l + k];
      ws[p + k] = v;
      s += v;
    }
    for (let k = 0; k < G; k++) ws[p + k] /= s;
    cumulate(ws, p, G, ws, cum);
  }
  let tv = Math.max(0.0, 1.0 - inside);
  for (let k = 0; k < G; k++) tv += Math.abs(ws[p + k] - ws[l + k]);
  tv *= 0.5;
  if (tv > ws[H_MAXTV]) ws[H_MAXTV] = tv;
  ws[H_EV] = mfviExpectedPotential(ws, i);
  if (ws[H_EXACT] == 0.0) {
    // Gauss-Seidel: the other coordinates' updates see factor i's new samples at once
    const y = slot(ws, O_Y);
    const wm = slot(ws, O_WMAT);
    const z = slot(ws, O_Z);
    for (let s = 0; s < S; s++) {
      const yNew = drawSample(ws, s, i);
      const dy = yNew - ws[y + s * d + i];
      ws[y + s * d + i] = yNew;
      for (let k = 0; k < K; k++) {
        const zs = z + (k * S + s) * d;
        for (let r = 0; r < d; r++) ws[zs + r] += ws[wm + k * d * d + r * d + i] * dy;
      }
    }
  }
  return 0;
}

/** Ends a sweep: the sum of the factors' entropies into the header; returns it. */
export function mfviEndSweep(ws: Float64Array): f64 {
  const d = slot(ws, H_D);
  const G = slot(ws, H_G);
  let h = 0.0;
  for (let i = 0; i < d; i++) h += entropy(ws, slot(ws, O_P) + i * G, G, ws, slot(ws, O_X) + i * (G + 1));
  ws[H_ENTROPY] = h;
  return h;
}

/** Most grid changes accepted in one coordinate update. */
export const MAX_ADAPT = 8;

/** A whole sweep for a mixture target. Returns 0, or the failing code of mfviFinishCoordinate. */
export function mfviSweepMixture(ws: Float64Array, t: Float64Array): i32 {
  const d = slot(ws, H_D);
  const exact = ws[H_EXACT] != 0.0;
  mfviBeginSweep(ws);
  for (let i = 0; i < d; i++) {
    mfviBeginCoordinate(ws, i);
    for (let attempt = 0; ; attempt++) {
      if (exact) mfviExactSamples(ws, i);
      mfviMixtureExpectation(ws, t, i);
      const r = mfviFinishCoordinate(ws, i, attempt < MAX_ADAPT ? 1 : 0);
      if (r < 0) return r;
      if (r == 0) break;
    }
  }
  mfviEndSweep(ws);
  return 0;
}

/**
 * The nodes of the exact KL's tensor rule (src/kl.ts) for the tuples from <= t < from + n, by
 * their index t (mixed radix over the axes' node counts, the last axis fastest): x = O y into
 * X (n rows of d) and the weight prod_i w_i into W. Axis i has counts[i] nodes y = ys[o_i + j]
 * of weight ws[o_i + j], o_i = counts[0] + ... + counts[i - 1]. The other axes' part of x and
 * of the weight is formed once per tuple of theirs; base (d) and index (2 d) are work.
 */
export function tensorRulePoints(ys: Float64Array, ws: Float64Array, counts: Int32Array, rot: Float64Array, d: i32, from: i32, n: i32, X: Float64Array, W: Float64Array, base: Float64Array, index: Int32Array): void {
  const last = d - 1;
  let rest = from;
  for (let i = last; i >= 0; i--) {
    index[i] = rest % counts[i];
    rest = (rest / counts[i]) | 0;
  }
  index[d] = 0; // o_i after the tuple's d entries
  for (let i = 1; i < d; i++) index[d + i] = index[d + i - 1] + counts[i - 1];
  const oLast = index[d + last];
  const cLast = counts[last];
  let t = 0;
  while (t < n) {
    // the other axes' part, then a run of the last axis's nodes against it
    let wBase = 1.0;
    for (let i = 0; i < last; i++) wBase *= ws[index[d + i] + index[i]];
    for (let r = 0; r < d; r++) {
      let s = 0.0;
      for (let i = 0; i < last; i++) s += rot[r * d + i] * ys[index[d + i] + index[i]];
      base[r] = s;
    }
    const k0 = index[last];
    const run = cLast - k0 < n - t ? cLast - k0 : n - t;
    const j0 = oLast + k0;
    for (let r = 0; r < d; r++) {
      const b = base[r];
      const c = rot[r * d + last];
      for (let k = 0; k < run; k++) X[(t + k) * d + r] = b + c * ys[j0 + k];
    }
    for (let k = 0; k < run; k++) W[t + k] = wBase * ws[j0 + k];
    t += run;
    // the next tuple of the other axes (the last axis starts again at 0)
    index[last] = 0;
    for (let i = last - 1; i >= 0; i--) {
      index[i] = index[i] + 1;
      if (index[i] < counts[i]) break;
      index[i] = 0;
    }
  }
}

/**
 * The tensor rule of tensorRulePoints (nodes ys, weights ws of each axis, counts[i] on axis i)
 * for the mixture t of mfviSetTarget: e[j] += sum_tuple w_tuple V(x(tuple, y_j)) over the tuples
 * [from, to) of the other axes' nodes (mixed radix, the last of them fastest; from = 0 starts
 * e), j over the last axis's nodes. Along the last axis each component's quadratic form is a
 * quadratic in its node, as on a sweep's line (lineExpectation), so a node costs O(K), not a
 * density. Returns sum_j w_j e[j], E_q[V] once the last tuple is in. index: d entries of work.
 */
export function mfviRulePotential(ws: Float64Array, t: Float64Array, ys: Float64Array, wts: Float64Array, counts: Int32Array, from: i32, to: i32, e: Float64Array, index: Int32Array): f64 {
  const d = slot(ws, H_D);
  const K = slot(ws, H_K);
  const wm = slot(ws, O_WMAT);
  const mz = slot(ws, O_MZ);
  const abc = slot(ws, O_ABC);
  const last = d - 1;
  let oLast = 0;
  for (let i = 0; i < last; i++) oLast += counts[i];
  const n = counts[last];
  if (from == 0) for (let j = 0; j < n; j++) e[j] = 0.0;
  let rest = from;
  for (let i = last - 1; i >= 0; i--) {
    index[i] = rest % counts[i];
    rest = (rest / counts[i]) | 0;
  }
  lineCurvatures(ws, last);
  for (let tuple = from; tuple < to; tuple++) {
    let w = 1.0;
    let o = 0;
    for (let i = 0; i < last; i++) {
      w *= wts[o + index[i]];
      o += counts[i];
    }
    for (let k = 0; k < K; k++) {
      // z0 = W_k (the tuple's y, last coordinate 0) - L_k^-1 m_k; the line adds t W_k e_last
      let a = 0.0;
      let b = 0.0;
      for (let r = 0; r < d; r++) {
        const row = wm + k * d * d + r * d;
        let z0 = -ws[mz + k * d + r];
        let oi = 0;
        for (let i = 0; i < last; i++) {
          z0 += ws[row + i] * ys[oi + index[i]];
          oi += counts[i];
        }
        a += z0 * z0;
        b += z0 * ws[row + last];
      }
      ws[abc + 3 * k] = a;
      ws[abc + 3 * k + 1] = b;
    }
    lineExpectation(ws, abc, K, t, HEADER, ys, oLast, n, w, e, 0);
    for (let i = last - 1; i >= 0; i--) {
      index[i] = index[i] + 1;
      if (index[i] < counts[i]) break;
      index[i] = 0;
    }
  }
  let total = 0.0;
  for (let j = 0; j < n; j++) total += wts[oLast + j] * e[j];
  return total;
}

/**
 * n draws from the product of the factors, rotated: out[j d ..] = O y_j, from the generator
 * (mfviUniforms into out, then mfviSampleAt). y: n x d scratch.
 */
export function mfviSample(ws: Float64Array, rng: Int32Array, n: i32, stratified: i32, y: Float64Array, out: Float64Array): void {
  mfviUniforms(slot(ws, H_D), rng, n, stratified, out);
  mfviSampleAt(ws, out, n, y, out);
}

/**
 * The uniforms of n draws from d factors, coordinate i's at u[i n ..]. With `stratified`, each
 * coordinate's n uniforms form a Latin-hypercube column (lower-variance averages); otherwise
 * they are independent.
 */
export function mfviUniforms(d: i32, rng: Int32Array, n: i32, stratified: i32, u: Float64Array): void {
  for (let i = 0; i < d; i++) {
    const col = i * n;
    if (stratified != 0) permutedStrata(u, col, 1, n, rng);
    hold(rng, 0);
    for (let j = 0; j < n; j++) u[col + j] = stratified != 0 ? (u[col + j] + heldUniform()) / <f64>n : heldUniform();
    release(rng, 0);
  }
}

/**
 * The n draws of the uniforms u (mfviUniforms) from the product of the factors, rotated:
 * y_j by the factors' inverse CDFs, out[j d ..] = O y_j. out may be u itself. y: n x d.
 */
export function mfviSampleAt(ws: Float64Array, u: Float64Array, n: i32, y: Float64Array, out: Float64Array): void {
  const d = slot(ws, H_D);
  const G = slot(ws, H_G);
  // coordinate i's draws first go to out[i n ..], contiguous (out is scratch until the rotation),
  // then into y's rows: a pass that reads d columns side by side and writes y in order
  for (let i = 0; i < d; i++) quantileRow(ws, slot(ws, O_CUM) + i * (G + 1), G, ws, slot(ws, O_X) + i * (G + 1), u, i * n, n, out, i * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < d; i++) y[j * d + i] = out[i * n + j];
  rotate(ws, y, n, out, 0);
}

/** out = O y (transpose = 0) or O^T y (transpose = 1) for n row vectors. */
function rotate(ws: Float64Array, y: Float64Array, n: i32, out: Float64Array, transpose: i32): void {
  const d = slot(ws, H_D);
  const rot = slot(ws, O_ROT);
  if (transpose == 0) {
    matrixTimesRows(ws, rot, d, y, n, out);
    return;
  }
  for (let j = 0; j < n; j++) {
    // O^T y_j = sum_c y_jc (row c of O): contiguous rows
    for (let r = 0; r < d; r++) out[j * d + r] = 0.0;
    for (let c = 0; c < d; c++) axpy(out, j * d, y[j * d + c], ws, rot + c * d, d);
  }
}

/** log q(x_j) = sum_i log mu_i((O^T x_j)_i) for n points. y: n x d scratch. */
export function mfviLogDensity(ws: Float64Array, points: Float64Array, n: i32, y: Float64Array, out: Float64Array): void {
  const d = slot(ws, H_D);
  const G = slot(ws, H_G);
  rotate(ws, points, n, y, 1);
  for (let j = 0; j < n; j++) {
    let s = 0.0;
    for (let i = 0; i < d; i++) s += histLogDensity(ws, slot(ws, O_P) + i * G, G, ws, slot(ws, O_X) + i * (G + 1), y[j * d + i]);
    out[j] = s;
  }
}
