// Singular value decomposition by one-sided Jacobi (Hestenes), preconditioned with a Householder
// QR factorization with column pivoting (Drmac & Veselic, "New fast and accurate Jacobi SVD
// algorithm I", SIAM J. Matrix Anal. Appl. 29, 2008), and the polar factor built on it.
//
// Thin SVD of an m x n row-major A: A = U diag(S) V^T with k = min(m, n), U m x k and V n x k
// (row-major, column i belongs to S[i]), S descending and >= 0. For m < n the algorithm runs on
// A^T and swaps the roles of U and V. With p = max(m, n), q = min(m, n) and B the p x q matrix
// (A or A^T):
//  1. A is scaled by a power of two so that max |a_ij| is in [1, 2) (exact; S is scaled back),
//     so squared norms neither overflow nor underflow for any finite input.
//  2. B P = Q R by Householder QR with column pivoting. The columns of B are stored as the rows
//     of a q x p work matrix, so every loop runs over contiguous memory.
//  3. One-sided Jacobi orthogonalizes the columns of R^T, i.e. the rows of R (contiguous again):
//     W <- J^T R with J a product of plane rotations (row-cyclic sweeps, de Rijk's pivoting
//     taken two rows at a time, see sweep), until a sweep finds every pair of rows orthogonal
//     to |w_i . w_j| <= tol |w_i| |w_j|, tol = sqrt(q) 2^-52 (the stopping test of LAPACK's
//     dgesvj). Then R^T J = U_x diag(S), and the normalized rows of W are the columns of U_x,
//     orthonormal to about tol.
//     A rotation is three shears (shearRows: 7 operations an element, and rounding errors in
//     its coefficients change the norms only to second order in the angle) and computes the
//     dot product of the next pair in the same pass. So each pair waits for the one before,
//     and that chain of latencies costs about as much as the (SIMD) rotations themselves:
//     two rows' chains therefore run side by side in one pass (row i + 1 one step behind row
//     i: the same rotations of each row in the same order), and the angle is a rational
//     approximation of Jacobi's (to 1.4% for large angles, to relative O(x^2) for the small
//     ones of the last sweeps, so convergence stays quadratic), the rotation by it exact,
//     from one division and no square root. Random matrices take as many sweeps as with exact
//     angles and one row at a time (about 8 at n = 50, 9 at n = 100).
//     (No faster, measured on random matrices: a second QR, of R^T, before Jacobi, which
//     saves a few percent of the rotations but costs more; orderings of independent pairs,
//     which hide the latency but need 15-25% more rotations.)
//  4. The right singular vectors of B are V_B = P U_x. The left ones are u_i = B v_i / s_i,
//     made orthonormal by Gram-Schmidt in order of decreasing s_i: the product is accurate to
//     about eps |B|, so u_i to about eps |B| / s_i, and the error Gram-Schmidt leaves in s_i u_i
//     is of order eps |B|. (Cheaper than accumulating the rotations, which would double the cost
//     of a sweep, or applying Q to them.)
//  5. Rows of W whose squared norm is below 2^-400 (scaled units: numerically zero) are not
//     rotated; their singular vectors, and left ones that Gram-Schmidt cannot recover, are
//     completed deterministically from the canonical basis vector least represented by the
//     others, so U and V have orthonormal columns also for rank-deficient and zero matrices.
// Every loop runs over contiguous rows, the long ones in the primitives of ./vector (WASM SIMD,
// with a scalar JavaScript twin), and stays in the portable subset (see ./index.ts), so the
// WASM and JavaScript backends agree bit for bit.

import {
  absMax,
  addSquares,
  divideRow,
  dot,
  dotInlined,
  dotPair,
  matVec,
  matVec2,
  rowSquares,
  shearRows,
  secondDot,
  shearRowsDot,
  shearTwoPairsDot,
  subtractRows,
  subtractRowSquares,
  subtractRowSquares2,
  swapRanges,
  transpose,
} from "./vector";

/** 2^-52. */
const EPS: f64 = 2.220446049250313e-16;
/**
 * Squared row norm (scaled units, max |a_ij| in [1, 2)) below which a row counts as numerically
 * zero: 2^-400, so that no product in the Jacobi test and rotation underflows.
 */
const TINY2: f64 = 3.8725919148493183e-121;
/** 2^600 and 2^-600: pre-scaling for matrices whose largest entry is below 2^-600. */
const TWO600: f64 = 4.149515568880993e180;
const TWOM600: f64 = 2.409919865102884e-181;
/**
 * tan(atan(r) / 4) ~ r (1/4 + F1 r) / (1 + F2 r + F3 r^2) for r >= 0 (the Jacobi rotation's
 * tan(theta / 2), see sweep): F2 and F3 minimize the largest relative error (1.4%, at large
 * r), F1 = F2 / 4 leaves no r^2 term (the error is relative 0.17 r^2 for small r).
 */
const F2: f64 = 0.7986439654403485;
const F3: f64 = 0.4889877636444704;
const F1: f64 = F2 * 0.25;
/** A squared norm updated by a rotation is recomputed when it drops below this fraction. */
const DROP: f64 = 0.0009765625; // 2^-10

/** f64 work length for svdJacobi(m, n): 2 p q + q^2 + 4 q + p with p = max(m, n), q = min(m, n). */
export function svdWorkLength(m: i32, n: i32): i32 {
  const p = m >= n ? m : n;
  const q = m >= n ? n : m;
  return 2 * p * q + q * q + 4 * q + p;
}

/** f64 work length for polarFactor(n): that of svdJacobi(n, n). */
export function polarWorkLength(n: i32): i32 {
  return svdWorkLength(n, n);
}

/**
 * One pass of classical Gram-Schmidt: row i of the matrix at `base` (rows of length len) minus
 * its components along rows 0..i-1 (orthonormal), the coefficients (in d, i entries) computed
 * first (unless `ready`: already in d), all from the row as it was: two matrix-vector
 * products, without the chain of
 * dependent passes of modified Gram-Schmidt, and as good where it is used (repeated when the
 * first pass cancels much: "twice is enough").
 */
function project(x: Float64Array, base: i32, i: i32, len: i32, d: i32, ready: bool): void {
  if (i == 0) return;
  const io = base + i * len;
  if (!ready) matVec(x, base, i, len, io, d);
  subtractRows(x, base, i, len, d, io);
}

/**
 * Thin SVD of the m x n row-major matrix a: writes u (m x k), s (k), v (n x k), k = min(m, n),
 * with a = u diag(s) v^T, s descending and >= 0, u and v with orthonormal columns.
 * `work` holds at least svdWorkLength(m, n) f64; `a` is only read (before u is written, so u may
 * be a itself). Returns the number of Jacobi sweeps (> 0), or minus it if the rows were still
 * not orthogonal after maxSweeps sweeps (the result is then less accurate), or 0 when `a` has a
 * NaN or infinite entry (nothing is written).
 */
export function svdJacobi(
  a: Float64Array,
  m: i32,
  n: i32,
  u: Float64Array,
  s: Float64Array,
  v: Float64Array,
  work: Float64Array,
  maxSweeps: i32,
): i32 {
  const tall = m >= n;
  const p = tall ? m : n;
  const q = tall ? n : m;
  const left = tall ? u : v; // p x q: the left singular vectors of B
  const right = tall ? v : u; // q x q: the right singular vectors of B
  // work layout
  const b0 = 0; // p x q: B, scaled
  const bt = p * q; // q x p: B^T, then R and the reflectors, then the left singular vectors
  const w = 2 * p * q; // q x q: R, rotated into J^T R, then U_x^T
  const vec = w + q * q; // q: scratch vector (a column of V_B, Gram-Schmidt coefficients)
  const nrm2 = vec + q; // q: squared row norms
  const sig = nrm2 + q; // q: singular values (scaled)
  const perm = sig + q; // q: column permutation of B (as f64)
  const z = perm + q; // p: scratch (how much of each e_c the rows so far span)

  // 1. Scale by a power of two: max |a_ij| in [1, 2).
  const mn = m * n;
  const amax = absMax(a, 0, mn);
  if (!(amax < Infinity)) return 0; // NaN or infinite input: no SVD (the scaling would never end)
  let pre = 1.0;
  let scale = 1.0;
  if (amax > 0.0) {
    let x = amax;
    if (x < TWOM600) {
      pre = TWO600;
      x *= TWO600;
    }
    while (x >= 2.0) {
      x *= 0.5;
      scale *= 0.5;
    }
    while (x < 1.0) {
      x *= 2.0;
      scale *= 2.0;
    }
  }
  // B is A (tall) or A^T (wide): the scaled A goes to b0 or to bt, and its transpose to the other
  const ao = tall ? b0 : bt;
  for (let i = 0; i < mn; i++) work[ao + i] = a[i] * pre * scale;
  if (tall) transpose(work, b0, p, q, q, work, bt, p);
  else transpose(work, bt, q, p, p, work, b0, q);

  // 2. Householder QR with column pivoting of B (columns = rows of bt).
  rowSquares(work, bt, q, p, work, nrm2);
  for (let c = 0; c < q; c++) work[perm + c] = <f64>c;
  for (let j = 0; j < q; j++) {
    // pivot: the remaining column with the largest trailing norm (first one on ties)
    let piv = j;
    let best = work[nrm2 + j];
    for (let c = j + 1; c < q; c++) {
      if (work[nrm2 + c] > best) {
        best = work[nrm2 + c];
        piv = c;
      }
    }
    if (piv != j) {
      swapRows(work, bt, j, piv, p, nrm2);
      swapEntries(work, perm, j, piv);
    }
    // reflector H = I - t v v^T with v = (1, x[j+1:] / (alpha - beta)), H x = beta e_1 (only
    // R is used later, Q is not)
    const xo = bt + j * p;
    const alpha = work[xo + j];
    const tail = dot(work, xo + j + 1, work, xo + j + 1, p - j - 1);
    let t = 0.0;
    if (tail > 0.0) {
      let beta = Math.sqrt(alpha * alpha + tail);
      if (alpha >= 0.0) beta = -beta;
      t = (beta - alpha) / beta;
      const f = 1.0 / (alpha - beta);
      for (let r = j + 1; r < p; r++) work[xo + r] *= f;
      work[xo + j] = beta;
    }
    // apply H to the remaining columns, recomputing their trailing norms on the way (two
    // columns at a time: one pass over the reflector for both dot products, one for both
    // updates; vec holds the two dot products)
    const tl = p - j - 1;
    let c = j + 1;
    if (t != 0.0) {
      for (; c + 1 < q; c += 2) {
        const yo = bt + c * p;
        dotPair(work, xo + j + 1, work, yo + j + 1, yo + p + j + 1, tl, work, vec, vec + 1);
        const d0 = t * (work[yo + j] + work[vec]);
        const d1 = t * (work[yo + p + j] + work[vec + 1]);
        work[yo + j] -= d0;
        work[yo + p + j] -= d1;
        subtractRowSquares2(work, yo + j + 1, yo + p + j + 1, xo + j + 1, tl, d0, d1, nrm2 + c, nrm2 + c + 1);
      }
    }
    for (; c < q; c++) {
      const yo = bt + c * p;
      if (t != 0.0) {
        const d = t * (work[yo + j] + dot(work, xo + j + 1, work, yo + j + 1, tl));
        work[yo + j] -= d;
        work[nrm2 + c] = subtractRowSquares(work, yo + j + 1, xo + j + 1, tl, d);
      } else {
        work[nrm2 + c] = dot(work, yo + j + 1, work, yo + j + 1, tl);
      }
    }
  }

  // 3. W = R (upper triangular): row i of W is row i of R.
  transpose(work, bt, q, q, p, work, w, q);
  for (let i = 1; i < q; i++) {
    for (let c = 0; c < i; c++) work[w + i * q + c] = 0.0;
  }

  // 4. One-sided Jacobi on the rows of W, until a sweep rotates nothing.
  const tol2 = EPS * EPS * <f64>q; // tol^2, tol = sqrt(q) eps
  let sweeps = 0;
  let converged = false;
  while (sweeps < maxSweeps && !converged) {
    sweeps++;
    if (sweep(work, w, q, nrm2, tol2) == 0) converged = true;
  }

  // 5. Singular values (exact norms), sorted descending with the rows of W.
  rowSquares(work, w, q, q, work, nrm2);
  for (let i = 0; i < q; i++) work[sig + i] = Math.sqrt(work[nrm2 + i]);
  for (let i = 0; i + 1 < q; i++) {
    let best = i;
    for (let j = i + 1; j < q; j++) {
      if (work[sig + j] > work[sig + best]) best = j;
    }
    if (best != i) {
      swapRows(work, w, i, best, q, nrm2);
      swapEntries(work, sig, i, best);
    }
  }
  let good = 0; // rows 0 .. good-1 have nonzero norms
  while (good < q && work[nrm2 + good] >= TINY2) good++;

  // 6. U_x: the rows of W normalized (orthogonal to tol by the Jacobi stopping test); the zero
  // rows completed to an orthonormal set.
  for (let i = 0; i < good; i++) divideRow(work, w + i * q, q, work[sig + i]);
  for (let c = 0; c < q; c++) work[z + c] = 0.0;
  for (let i = 0; i < good; i++) addSquares(work, z, work, w + i * q, q);
  for (let i = good; i < q; i++) complete(work, w, i, q, z, vec);

  // 7. Left singular vectors of B: B v_i = s_i u_i with v_i = P U_x e_i (column i of V_B),
  // computed from the scaled B and made orthonormal by Gram-Schmidt in order of decreasing
  // s_i (the product is accurate to about eps |B|, so u_i to eps |B| / s_i: Gram-Schmidt
  // leaves an error of order eps |B| in u_i s_i). Rows it cannot recover (zero s_i, or tiny
  // and numerically dependent) are completed. Row i of bt becomes u_i.
  // The rows of W become the v_i (row i: W[i][perm[r]] <- W[i][r]), and all products B v_i
  // are formed first, two at a time (they do not depend on each other).
  for (let i = 0; i < q; i++) {
    const io = w + i * q;
    for (let r = 0; r < q; r++) work[vec + ((<i32>work[perm + r]) | 0)] = work[io + r];
    for (let r = 0; r < q; r++) work[io + r] = work[vec + r];
  }
  let pr = 0;
  for (; pr + 1 < good; pr += 2) matVec2(work, b0, p, q, w + pr * q, w + (pr + 1) * q, bt + pr * p, bt + (pr + 1) * p);
  if (pr < good) matVec(work, b0, p, q, w + pr * q, bt + pr * p);
  for (let r = 0; r < p; r++) work[z + r] = 0.0;
  // Rows i, i + 1 (both products) in pairs: the coefficients of both against rows 0..i-1 in
  // one pass (each row of B v_i as it was), that of row i + 1 against row i once row i is done.
  let paired = false; // row i's coefficients against rows 0..i-2 are in nrm2
  for (let i = 0; i < q; i++) {
    const yo = bt + i * p;
    let ok = false;
    if (i < good) {
      let d = vec;
      let ready = false;
      if (paired) {
        work[nrm2 + i - 1] = dot(work, yo - p, work, yo, p);
        d = nrm2;
        ready = true;
        paired = false;
      } else if (i + 1 < good) {
        matVec2(work, bt, i, p, yo, yo + p, vec, nrm2);
        ready = true;
        paired = true;
      }
      ok = orthonormalize(work, bt, i, p, d, ready);
    }
    if (ok) addSquares(work, z, work, yo, p);
    else complete(work, bt, i, p, z, vec);
  }

  // 8. Outputs. S, scaled back.
  const unscale = 1.0 / scale;
  const unpre = 1.0 / pre;
  for (let i = 0; i < q; i++) s[i] = work[sig + i] * unscale * unpre;
  // right singular vectors of B: V_B = P U_x, whose column i is row i of W (permuted above)
  transpose(work, w, q, q, q, right, 0, q);
  // left singular vectors of B, column i = row i of bt
  transpose(work, bt, q, p, p, left, 0, q);
  return converged ? sweeps : -sweeps;
}

/** Rotations done by the current sweep (see sweep). */
let rotations = 0;
/** The rotation chosen by setRotation: tan(theta / 2), sin(theta), and the shift d of the squared norms (|w_i|^2 - d, |w_j|^2 + d). */
let rotTau = 0.0;
let rotSin = 0.0;
let rotShift = 0.0;

/**
 * One sweep of one-sided Jacobi on the q rows (length q) of the matrix at w: rows are taken in
 * pairs i, i + 1 (de Rijk's pivoting, by pairs: the largest of rows i..q-1 is swapped into
 * place i, then the largest of the rest into i + 1, so that row i is the larger row of each of
 * its pairs and only grows), and each of them is rotated against every later row, row i + 1
 * one step behind row i: (i, i + 1), (i, i + 2), then (i, j) together with (i + 1, j - 1) for
 * j = i + 3..q-1, then (i + 1, q - 1). Each row meets the rotations in the order of the
 * row-cyclic sweep. Rows whose squared norm is below TINY2 are left alone. nrm (q) receives
 * the squared row norms. Returns the number of rotations.
 *
 * A rotation computes, in the same pass, the dot product its row's next pair needs, so each
 * angle waits for the rotation before it; the two rows' rotations share one pass (and one
 * such wait), which is most of the time of a sweep.
 */
function sweep(x: Float64Array, w: i32, q: i32, nrm: i32, tol2: f64): i32 {
  rowSquares(x, w, q, q, x, nrm);
  rotations = 0;
  for (let i = 0; i + 1 < q; i += 2) {
    pivotRow(x, w, q, nrm, i);
    if (x[nrm + i] < TINY2) break; // the largest remaining row is numerically zero
    pivotRow(x, w, q, nrm, i + 1);
    const io = w + i * q;
    const uo = io + q; // row i + 1
    let g = rotatePair(x, w, q, nrm, tol2, i, i + 1, i + 2, dotInlined(x, io, x, uo, q));
    if (i + 2 == q) break;
    g = rotatePair(x, w, q, nrm, tol2, i, i + 2, i + 3, g);
    let g2 = dotInlined(x, uo, x, uo + q, q); // w_{i+1} . w_{i+2}
    for (let j = i + 3; j < q; j++) {
      // (i, j) and (i + 1, j - 1); the next pairs need w_i . w_{j+1} and w_{i+1} . w_j (rotated)
      const jo = w + j * q;
      const vo = jo - q;
      const next = j + 1 < q;
      const rotates = rotating(x, nrm, tol2, i, j, g);
      const rotates2 = rotating(x, nrm, tol2, i + 1, j - 1, g2);
      if (!rotates && !rotates2) {
        g = next ? dotInlined(x, io, x, jo + q, q) : 0.0;
        g2 = dotInlined(x, uo, x, jo, q);
        continue;
      }
      let s = 0.0;
      let tau = 0.0;
      let d = 0.0;
      if (rotates) {
        setRotation(x[nrm + i], x[nrm + j], g);
        s = rotSin;
        tau = rotTau;
        d = rotShift;
      }
      let s2 = 0.0;
      let tau2 = 0.0;
      let d2 = 0.0;
      if (rotates2) {
        setRotation(x[nrm + i + 1], x[nrm + j - 1], g2);
        s2 = rotSin;
        tau2 = rotTau;
        d2 = rotShift;
      }
      // a pair that does not rotate goes through the pass unchanged (s = tau = 0: exact)
      g = shearTwoPairsDot(x, io, jo, s, tau, uo, vo, s2, tau2, next ? jo + q : io, q);
      g2 = secondDot;
      if (rotates) shiftNorms(x, nrm, q, i, io, j, jo, d);
      if (rotates2) shiftNorms(x, nrm, q, i + 1, uo, j - 1, vo, d2);
    }
    rotatePair(x, w, q, nrm, tol2, i + 1, q - 1, q, g2);
  }
  return rotations;
}

/** Swaps the largest of rows i..q-1 (by squared norm nrm, the first on ties) into place i. */
function pivotRow(x: Float64Array, w: i32, q: i32, nrm: i32, i: i32): void {
  let piv = i;
  let best = x[nrm + i];
  for (let j = i + 1; j < q; j++) {
    const a = x[nrm + j];
    if (a > best) {
      best = a;
      piv = j;
    }
  }
  if (piv != i) swapRows(x, w, i, piv, q, nrm);
}

/**
 * Whether rows i, j (squared norms in nrm, dot product g) are to be rotated: both are not
 * numerically zero and fail the test |g| <= tol |w_i| |w_j| (squared, tol2 = tol^2; no
 * underflow, as both squared norms are >= TINY2).
 */
// @ts-ignore: decorator
@inline function rotating(x: Float64Array, nrm: i32, tol2: f64, i: i32, j: i32, g: f64): bool {
  const ai = x[nrm + i];
  const aj = x[nrm + j];
  return !(ai < TINY2 || aj < TINY2 || g * g <= tol2 * ai * aj);
}

/**
 * The rotation of rows i, j (squared norms ai, aj, dot product g) into rotTau, rotSin and
 * rotShift, counted in rotations. The angle is close to the one that diagonalizes [[ai, g], [g, aj]] (the smaller
 * one), theta = atan(r) / 2 with r = 2 |g| / |aj - ai|, whose tan(theta / 2) =
 * tan(atan(r) / 4) is approximated by the rational function of F1, F2, F3, and the sine
 * computed from it exactly (2 tau / (1 + tau^2)): an exact rotation by a nearly optimal angle
 * (to 1.4%, and relative O(r^2) for the small angles of the last sweeps, where convergence is
 * quadratic), from one division and no square root. r = gg / hh with both scaled by
 * 1 / max(ai, aj) (known before g: off the chain of latencies), so hh <= 1, gg <= 2 and no
 * power below overflows or underflows (gg >= tol when hh is small).
 */
// @ts-ignore: decorator
@inline function setRotation(ai: f64, aj: f64, g: f64): void {
  const f = 1.0 / Math.max(ai, aj);
  const h = aj - ai;
  const hh = Math.abs(h) * f;
  const gs = (h > 0.0 ? 2.0 * g : -2.0 * g) * f; // its sign makes the larger row grow
  const gg = Math.abs(gs);
  const num = gs * (0.25 * hh + F1 * gg); // tau = num / den
  const den = hh * hh + (F2 * hh + F3 * gg) * gg;
  const n2 = num * num;
  const d2 = den * den;
  const e = 1.0 / (den * (d2 + n2));
  const sn = 2.0 * num * d2 * e; // 2 tau / (1 + tau^2)
  const cs = (d2 - n2) * den * e; // (1 - tau^2) / (1 + tau^2)
  rotTau = num * (d2 + n2) * e;
  rotSin = sn;
  rotShift = 2.0 * cs * sn * g - sn * sn * h;
  rotations++;
}

/**
 * Rows i (at io) and j (at jo) were rotated, shifting their squared norms by -d and +d: the
 * updated norms, recomputed after heavy cancellation (below DROP of the old one).
 */
// @ts-ignore: decorator
@inline function shiftNorms(x: Float64Array, nrm: i32, q: i32, i: i32, io: i32, j: i32, jo: i32, d: f64): void {
  const ai = x[nrm + i];
  const aj = x[nrm + j];
  const ai1 = ai - d;
  const aj1 = aj + d;
  x[nrm + i] = ai1 < ai * DROP ? dotInlined(x, io, x, io, q) : ai1;
  x[nrm + j] = aj1 < aj * DROP ? dotInlined(x, jo, x, jo, q) : aj1;
}

/**
 * Rotates rows i, j (dot product g) if they are to be rotated; returns w_i . w_k (after the
 * rotation, from the same pass), or 0 when k == q (no next pair).
 */
function rotatePair(x: Float64Array, w: i32, q: i32, nrm: i32, tol2: f64, i: i32, j: i32, k: i32, g: f64): f64 {
  const io = w + i * q;
  const jo = w + j * q;
  const ko = w + k * q;
  if (!rotating(x, nrm, tol2, i, j, g)) return k < q ? dotInlined(x, io, x, ko, q) : 0.0;
  setRotation(x[nrm + i], x[nrm + j], g);
  let next = 0.0;
  if (k < q) next = shearRowsDot(x, io, jo, ko, q, rotSin, rotTau);
  else shearRows(x, io, jo, q, rotSin, rotTau);
  shiftNorms(x, nrm, q, i, io, j, jo, rotShift);
  return next;
}

/** Swaps rows i and j (length len) of the matrix at `base`, and entries i, j of vector v1. */
function swapRows(x: Float64Array, base: i32, i: i32, j: i32, len: i32, v1: i32): void {
  swapRanges(x, base + i * len, base + j * len, len);
  swapEntries(x, v1, i, j);
}

/** Swaps entries i and j of the vector at v. */
function swapEntries(x: Float64Array, v: i32, i: i32, j: i32): void {
  const t = x[v + i];
  x[v + i] = x[v + j];
  x[v + j] = t;
}

/**
 * Orthogonalizes row i of the matrix at `base` (rows of length len) against rows 0..i-1
 * (orthonormal) by Gram-Schmidt, repeated once if the first pass cancelled more than a third
 * of the norm ("twice is enough"), and normalizes it (d: i entries of scratch). Returns false,
 * leaving the row unusable, when the row is zero or numerically in the span of the others.
 * `ready`: the first pass's coefficients are already in d.
 */
function orthonormalize(x: Float64Array, base: i32, i: i32, len: i32, d: i32, ready: bool): bool {
  const io = base + i * len;
  let before = Math.sqrt(dot(x, io, x, io, len));
  if (before == 0.0) return false;
  for (let pass = 0; pass < 2; pass++) {
    project(x, base, i, len, d, ready && pass == 0);
    const after = Math.sqrt(dot(x, io, x, io, len));
    if (after == 0.0) return false;
    if (after >= 0.7071067811865476 * before) {
      divideRow(x, io, len, after);
      return true;
    }
    before = after;
  }
  return false;
}

/**
 * Sets row i of the matrix at `base` to a unit vector orthogonal to rows 0..i-1 (orthonormal),
 * deterministically: the canonical vector e_c least represented by them (smallest z[c], the
 * first on ties; its component outside their span is at least sqrt((len - i) / len)), through
 * Gram-Schmidt twice (d: i entries of scratch) and normalized. Then adds its squares to z.
 */
function complete(x: Float64Array, base: i32, i: i32, len: i32, z: i32, d: i32): void {
  let pick = 0;
  for (let c = 1; c < len; c++) {
    if (x[z + c] < x[z + pick]) pick = c;
  }
  const io = base + i * len;
  for (let c = 0; c < len; c++) x[io + c] = c == pick ? 1.0 : 0.0;
  if (x[z + pick] != 0.0) {
    // e_pick is not orthogonal to the rows so far (if it is, it is exactly the answer)
    for (let pass = 0; pass < 2; pass++) {
      project(x, base, i, len, d, false);
      const nn = Math.sqrt(dot(x, io, x, io, len));
      divideRow(x, io, len, nn);
    }
  }
  addSquares(x, z, x, io, len);
}

/**
 * The orthogonal polar factor of the n x n row-major matrix a: out = U V^T from a = U S V^T,
 * the orthogonal matrix nearest to a in the Frobenius norm (unique when a is nonsingular).
 * Writes s (n, the singular values) and uses v (n x n) as scratch; `a` is overwritten (with U).
 * `work` holds at least polarWorkLength(n) f64. Returns what svdJacobi returns.
 */
export function polarFactor(
  a: Float64Array,
  n: i32,
  out: Float64Array,
  s: Float64Array,
  v: Float64Array,
  work: Float64Array,
  maxSweeps: i32,
): i32 {
  const status = svdJacobi(a, n, n, a, s, v, work, maxSweeps);
  // row r of U V^T is V (row r of U): matrix-vector products in work (V, U, then the result),
  // two rows at a time
  const nn = n * n;
  for (let i = 0; i < nn; i++) {
    work[i] = v[i];
    work[nn + i] = a[i];
  }
  let r = 0;
  for (; r + 1 < n; r += 2) matVec2(work, 0, n, n, nn + r * n, nn + (r + 1) * n, 2 * nn + r * n, 2 * nn + (r + 1) * n);
  if (r < n) matVec(work, 0, n, n, nn + r * n, 2 * nn + r * n);
  for (let i = 0; i < nn; i++) out[i] = work[2 * nn + i];
  return status;
}
