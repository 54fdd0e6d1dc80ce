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
//     W <- J^T R with J a product of plane rotations (row-cyclic sweeps, de Rijk's pivoting),
//     until a sweep finds every pair of rows orthogonal to |w_i . w_j| <= tol |w_i| |w_j|,
//     tol = sqrt(q) 2^-52 (the stopping test of LAPACK's dgesvj). Then R^T J = U_x diag(S),
//     and the normalized rows of W are the columns of U_x, orthonormal to about tol. (The
//     rotation of a pair also computes the dot product of the next pair, in the same pass.)
//  4. The right singular vectors of B are V_B = P U_x. The left ones are u_i = B v_i / s_i,
//     made orthonormal by Gram-Schmidt in order of decreasing s_i: the product is accurate to
//     about eps |B|, so u_i to about eps |B| / s_i, and the error Gram-Schmidt leaves in s_i u_i
//     is of order eps |B|. (Cheaper than accumulating the rotations, which would double the cost
//     of a sweep, or applying Q to them.)
//  5. Rows of W whose squared norm is below 2^-400 (scaled units: numerically zero) are not
//     rotated; their singular vectors, and left ones that Gram-Schmidt cannot recover, are
//     completed deterministically from the canonical basis vector least represented by the
//     others, so U and V have orthonormal columns also for rank-deficient and zero matrices.
// Every loop runs over contiguous rows (fast in WASM) and stays in the portable subset (see
// ./index.ts), so the WASM and JavaScript backends agree bit for bit.

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

/** x[xo .. xo+len) . y[yo .. yo+len), four partial sums (breaks the add latency chain). */
function dot(x: Float64Array, xo: i32, y: Float64Array, yo: i32, len: i32): f64 {
  let s0 = 0.0;
  let s1 = 0.0;
  let s2 = 0.0;
  let s3 = 0.0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    s0 += x[xo + i] * y[yo + i];
    s1 += x[xo + i + 1] * y[yo + i + 1];
    s2 += x[xo + i + 2] * y[yo + i + 2];
    s3 += x[xo + i + 3] * y[yo + i + 3];
  }
  for (; i < len; i++) s0 += x[xo + i] * y[yo + i];
  return (s0 + s1) + (s2 + s3);
}

/**
 * The plane rotation (x, y) <- (c x - s y, s x + c y) of rows xo, yo of one array, written as
 * x - s (y + tau x), y + s (x - tau y) with tau = s / (1 + c) = tan(theta / 2) (Rutishauser):
 * the rounding error of c (whose c^2 + s^2 - 1 is biased, 0.4 eps on average for small
 * angles) then only enters through a correction term, so thousands of rotations do not drift
 * the row norms (measured: singular values 3e-14 too large at 300 x 300 with c x - s y).
 */
function rotate(x: Float64Array, xo: i32, yo: i32, len: i32, s: f64, tau: f64): void {
  for (let i = 0; i < len; i++) {
    const a = x[xo + i];
    const b = x[yo + i];
    x[xo + i] = a - s * (b + tau * a);
    x[yo + i] = b + s * (a - tau * b);
  }
}

/** rotate(x, xo, yo, len, s, tau), returning (new row xo) . (row zo) from the same pass. */
function rotateDot(x: Float64Array, xo: i32, yo: i32, zo: i32, len: i32, s: f64, tau: f64): f64 {
  let d0 = 0.0;
  let d1 = 0.0;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const a0 = x[xo + i];
    const a1 = x[xo + i + 1];
    const b0 = x[yo + i];
    const b1 = x[yo + i + 1];
    const n0 = a0 - s * (b0 + tau * a0);
    const n1 = a1 - s * (b1 + tau * a1);
    x[yo + i] = b0 + s * (a0 - tau * b0);
    x[yo + i + 1] = b1 + s * (a1 - tau * b1);
    x[xo + i] = n0;
    x[xo + i + 1] = n1;
    d0 += n0 * x[zo + i];
    d1 += n1 * x[zo + i + 1];
  }
  if (i < len) {
    const a0 = x[xo + i];
    const b0 = x[yo + i];
    const n0 = a0 - s * (b0 + tau * a0);
    x[yo + i] = b0 + s * (a0 - tau * b0);
    x[xo + i] = n0;
    d0 += n0 * x[zo + i];
  }
  return d0 + d1;
}

/** Row xo -= f row yo, returning (new row xo) . (row zo) from the same pass. */
function axpyDot(x: Float64Array, xo: i32, yo: i32, zo: i32, len: i32, f: f64): f64 {
  let d0 = 0.0;
  let d1 = 0.0;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    const n0 = x[xo + i] - f * x[yo + i];
    const n1 = x[xo + i + 1] - f * x[yo + i + 1];
    x[xo + i] = n0;
    x[xo + i + 1] = n1;
    d0 += n0 * x[zo + i];
    d1 += n1 * x[zo + i + 1];
  }
  if (i < len) {
    const n0 = x[xo + i] - f * x[yo + i];
    x[xo + i] = n0;
    d0 += n0 * x[zo + i];
  }
  return d0 + d1;
}

/**
 * One pass of modified Gram-Schmidt: row i of the matrix at `base` (rows of length len) minus
 * its components along rows 0..i-1 (orthonormal).
 */
function project(x: Float64Array, base: i32, i: i32, len: i32): void {
  if (i == 0) return;
  const io = base + i * len;
  let d = dot(x, base, x, io, len);
  for (let k = 0; k + 1 < i; k++) {
    const ko = base + k * len;
    d = axpyDot(x, io, ko, ko + len, len, d);
  }
  const ko = base + (i - 1) * len;
  for (let c = 0; c < len; c++) x[io + c] -= d * x[ko + c];
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
  const vec = w + q * q; // q: scratch vector (a column of V_B)
  const nrm2 = vec + q; // q: squared row norms
  const sig = nrm2 + q; // q: singular values (scaled)
  const perm = sig + q; // q: column permutation of B (as f64)
  const z = perm + q; // p: scratch (how much of each e_c the rows so far span)

  // 1. Scale by a power of two: max |a_ij| in [1, 2).
  const mn = m * n;
  let amax = 0.0;
  for (let i = 0; i < mn; i++) {
    const x = Math.abs(a[i]);
    if (!(x < Infinity)) return 0; // NaN or infinite input: no SVD (the scaling would never end)
    if (x > amax) amax = x;
  }
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
  if (tall) {
    for (let i = 0; i < mn; i++) work[b0 + i] = a[i] * pre * scale;
  } else {
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) work[b0 + c * q + r] = a[r * n + c] * pre * scale;
    }
  }
  for (let r = 0; r < p; r++) {
    for (let c = 0; c < q; c++) work[bt + c * p + r] = work[b0 + r * q + c];
  }

  // 2. Householder QR with column pivoting of B (columns = rows of bt).
  for (let c = 0; c < q; c++) {
    work[nrm2 + c] = dot(work, bt + c * p, work, bt + c * p, p);
    work[perm + c] = <f64>c;
  }
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
      for (let r = 0; r < p; r++) {
        const t = work[bt + j * p + r];
        work[bt + j * p + r] = work[bt + piv * p + r];
        work[bt + piv * p + r] = t;
      }
      let t = work[nrm2 + j];
      work[nrm2 + j] = work[nrm2 + piv];
      work[nrm2 + piv] = t;
      t = work[perm + j];
      work[perm + j] = work[perm + piv];
      work[perm + piv] = t;
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
    // apply H to the remaining columns, recomputing their trailing norms on the way
    for (let c = j + 1; c < q; c++) {
      const yo = bt + c * p;
      if (t != 0.0) {
        const d = t * (work[yo + j] + dot(work, xo + j + 1, work, yo + j + 1, p - j - 1));
        work[yo + j] -= d;
        let s0 = 0.0;
        let s1 = 0.0;
        let r = j + 1;
        for (; r + 1 < p; r += 2) {
          const y0 = work[yo + r] - d * work[xo + r];
          const y1 = work[yo + r + 1] - d * work[xo + r + 1];
          work[yo + r] = y0;
          work[yo + r + 1] = y1;
          s0 += y0 * y0;
          s1 += y1 * y1;
        }
        for (; r < p; r++) {
          const y0 = work[yo + r] - d * work[xo + r];
          work[yo + r] = y0;
          s0 += y0 * y0;
        }
        work[nrm2 + c] = s0 + s1;
      } else {
        work[nrm2 + c] = dot(work, yo + j + 1, work, yo + j + 1, p - j - 1);
      }
    }
  }

  // 3. W = R (upper triangular): row i of W is row i of R.
  for (let i = 0; i < q; i++) {
    for (let c = 0; c < q; c++) work[w + i * q + c] = c < i ? 0.0 : work[bt + c * p + i];
  }

  // 4. One-sided Jacobi on the rows of W: row-cyclic with de Rijk's pivoting (row i of a sweep
  // is first swapped with the largest remaining row), until a sweep rotates nothing. The
  // rotation of pair (i, j) also computes the dot product of pair (i, j + 1).
  const tol2 = EPS * EPS * <f64>q; // tol^2, tol = sqrt(q) eps
  let sweeps = 0;
  let converged = false;
  while (sweeps < maxSweeps && !converged) {
    sweeps++;
    for (let i = 0; i < q; i++) work[nrm2 + i] = dot(work, w + i * q, work, w + i * q, q);
    let rotations = 0;
    for (let i = 0; i + 1 < q; i++) {
      let piv = i;
      for (let j = i + 1; j < q; j++) {
        if (work[nrm2 + j] > work[nrm2 + piv]) piv = j;
      }
      if (piv != i) swapRows(work, w, i, piv, q, nrm2);
      if (work[nrm2 + i] < TINY2) break; // the largest remaining row is numerically zero
      const io = w + i * q;
      let g = dot(work, io, work, io + q, q);
      for (let j = i + 1; j < q; j++) {
        const jo = w + j * q;
        const next = j + 1 < q;
        let ai = work[nrm2 + i];
        let aj = work[nrm2 + j];
        // the test |g| <= tol |w_i| |w_j|, squared (no underflow: ai, aj >= TINY2)
        if (ai < TINY2 || aj < TINY2 || g * g <= tol2 * ai * aj) {
          if (next) g = dot(work, io, work, jo + q, q);
          continue;
        }
        rotations++;
        // the rotation that diagonalizes [[ai, g], [g, aj]] (Rutishauser's formulas; no
        // overflow: ai, aj in [TINY2, 4 p q] and |g| > tol sqrt(ai aj) bound |zeta| by 1e81)
        const zeta = (aj - ai) / (2.0 * g);
        let t = 1.0 / (Math.abs(zeta) + Math.sqrt(1.0 + zeta * zeta));
        if (zeta < 0.0) t = -t;
        const c = 1.0 / Math.sqrt(1.0 + t * t);
        const sn = c * t;
        const tau = sn / (1.0 + c);
        let gNext = 0.0;
        if (next) gNext = rotateDot(work, io, jo, jo + q, q, sn, tau);
        else rotate(work, io, jo, q, sn, tau);
        // updated squared norms; recomputed after heavy cancellation
        const ai1 = ai - t * g;
        const aj1 = aj + t * g;
        ai = ai1 < ai * DROP ? dot(work, io, work, io, q) : ai1;
        aj = aj1 < aj * DROP ? dot(work, jo, work, jo, q) : aj1;
        work[nrm2 + i] = ai;
        work[nrm2 + j] = aj;
        g = gNext;
      }
    }
    if (rotations == 0) converged = true;
  }

  // 5. Singular values (exact norms), sorted descending with the rows of W.
  for (let i = 0; i < q; i++) {
    const a2 = dot(work, w + i * q, work, w + i * q, q);
    work[nrm2 + i] = a2;
    work[sig + i] = Math.sqrt(a2);
  }
  for (let i = 0; i + 1 < q; i++) {
    let best = i;
    for (let j = i + 1; j < q; j++) {
      if (work[sig + j] > work[sig + best]) best = j;
    }
    if (best != i) {
      swapRows(work, w, i, best, q, nrm2);
      const t = work[sig + i];
      work[sig + i] = work[sig + best];
      work[sig + best] = t;
    }
  }
  let good = 0; // rows 0 .. good-1 have nonzero norms
  while (good < q && work[nrm2 + good] >= TINY2) good++;

  // 6. U_x: the rows of W normalized (orthogonal to tol by the Jacobi stopping test); the zero
  // rows completed to an orthonormal set.
  for (let i = 0; i < good; i++) {
    const io = w + i * q;
    const sg = work[sig + i];
    for (let c = 0; c < q; c++) work[io + c] /= sg;
  }
  for (let c = 0; c < q; c++) work[z + c] = 0.0;
  for (let i = 0; i < good; i++) addSquares(work, z, w + i * q, q);
  for (let i = good; i < q; i++) complete(work, w, i, q, z);

  // 7. Left singular vectors of B: B v_i = s_i u_i with v_i = P U_x e_i (column i of V_B),
  // computed from the scaled B and made orthonormal by Gram-Schmidt in order of decreasing
  // s_i (the product is accurate to about eps |B|, so u_i to eps |B| / s_i: Gram-Schmidt
  // leaves an error of order eps |B| in u_i s_i). Rows it cannot recover (zero s_i, or tiny
  // and numerically dependent) are completed. Row i of bt becomes u_i.
  for (let r = 0; r < p; r++) work[z + r] = 0.0;
  for (let i = 0; i < q; i++) {
    const yo = bt + i * p;
    let ok = false;
    if (i < good) {
      for (let r = 0; r < q; r++) work[vec + ((<i32>work[perm + r]) | 0)] = work[w + i * q + r];
      for (let r = 0; r < p; r++) work[yo + r] = dot(work, b0 + r * q, work, vec, q);
      ok = orthonormalize(work, bt, i, p);
    }
    if (ok) addSquares(work, z, yo, p);
    else complete(work, bt, i, p, z);
  }

  // 8. Outputs. S, scaled back.
  const unscale = 1.0 / scale;
  const unpre = 1.0 / pre;
  for (let i = 0; i < q; i++) s[i] = work[sig + i] * unscale * unpre;
  // right singular vectors of B: row perm[r] of P U_x is row r of U_x, U_x[r][i] = W[i][r]
  for (let r = 0; r < q; r++) {
    const ro = ((<i32>work[perm + r]) | 0) * q;
    for (let i = 0; i < q; i++) right[ro + i] = work[w + i * q + r];
  }
  // left singular vectors of B, column i = row i of bt
  for (let r = 0; r < p; r++) {
    for (let i = 0; i < q; i++) left[r * q + i] = work[bt + i * p + r];
  }
  return converged ? sweeps : -sweeps;
}

/** Swaps rows i and j (length len) of the matrix at `base`, and entries i, j of vector v1. */
function swapRows(x: Float64Array, base: i32, i: i32, j: i32, len: i32, v1: i32): void {
  const io = base + i * len;
  const jo = base + j * len;
  for (let c = 0; c < len; c++) {
    const t = x[io + c];
    x[io + c] = x[jo + c];
    x[jo + c] = t;
  }
  const t = x[v1 + i];
  x[v1 + i] = x[v1 + j];
  x[v1 + j] = t;
}

/** z[c] += row[c]^2: z tracks how much of each canonical vector e_c the rows so far span. */
function addSquares(x: Float64Array, z: i32, ro: i32, len: i32): void {
  for (let c = 0; c < len; c++) x[z + c] += x[ro + c] * x[ro + c];
}

/**
 * Orthogonalizes row i of the matrix at `base` (rows of length len) against rows 0..i-1
 * (orthonormal) by modified Gram-Schmidt, repeated once if the first pass cancelled more than
 * a third of the norm ("twice is enough"), and normalizes it. Returns false, leaving the row
 * unusable, when the row is zero or numerically in the span of the others.
 */
function orthonormalize(x: Float64Array, base: i32, i: i32, len: i32): bool {
  const io = base + i * len;
  let before = Math.sqrt(dot(x, io, x, io, len));
  if (before == 0.0) return false;
  for (let pass = 0; pass < 2; pass++) {
    project(x, base, i, len);
    const after = Math.sqrt(dot(x, io, x, io, len));
    if (after == 0.0) return false;
    if (after >= 0.7071067811865476 * before) {
      for (let c = 0; c < len; c++) x[io + c] /= after;
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
 * Gram-Schmidt twice and normalized. Then adds its squares to z.
 */
function complete(x: Float64Array, base: i32, i: i32, len: i32, z: i32): void {
  let pick = 0;
  for (let c = 1; c < len; c++) {
    if (x[z + c] < x[z + pick]) pick = c;
  }
  const io = base + i * len;
  for (let c = 0; c < len; c++) x[io + c] = c == pick ? 1.0 : 0.0;
  if (x[z + pick] != 0.0) {
    // e_pick is not orthogonal to the rows so far (if it is, it is exactly the answer)
    for (let pass = 0; pass < 2; pass++) {
      project(x, base, i, len);
      const nn = Math.sqrt(dot(x, io, x, io, len));
      for (let c = 0; c < len; c++) x[io + c] /= nn;
    }
  }
  addSquares(x, z, io, len);
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
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) out[r * n + c] = dot(a, r * n, v, c * n, n);
  }
  return status;
}
