// Singular value decomposition by one-sided Jacobi (Hestenes), preconditioned with a Householder
// QR factorization with column pivoting (Drmac & Veselic, "New fast and accurate Jacobi SVD
// algorithm", SIAM J. Matrix Anal. Appl. 29, 2008), and the polar factor built on it.
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
//     W <- J^T R with J a product of plane rotations, until every pair of rows is orthogonal to
//     |w_i . w_j| <= tol |w_i| |w_j|, tol = sqrt(q) * 2^-52 (the test of LAPACK's dgesvj).
//     Then R^T J = U_x diag(S): the right singular vectors of B are P U_x (the normalized rows
//     of W, permuted back) and its left singular vectors are Q J (J accumulated in a q x q
//     matrix, then Q applied to it as a product of reflectors).
//  4. Rows of W whose squared norm is below 2^-900 (scaled units: numerically zero) are not
//     rotated; their singular vectors are completed deterministically by Gram-Schmidt against
//     the canonical basis vector least represented by the others, so U and V stay orthonormal
//     for rank-deficient and zero matrices.
// Preconditioning makes the rows of R graded, so Jacobi converges in a few sweeps; every loop is
// written on contiguous rows (fast in WASM) and in the portable subset (see ./index.ts), so the
// WASM and JavaScript backends agree bit for bit.

/** 2^-52. */
const EPS: f64 = 2.220446049250313e-16;
/** Squared row norm (scaled units) below which a row counts as numerically zero: 2^-900. */
const TINY2: f64 = 1.1830521861667747e-271;
/** 2^600 and 2^-600: pre-scaling for matrices whose largest entry is below 2^-600. */
const TWO600: f64 = 4.149515568880993e180;
const TWOM600: f64 = 2.409919865102884e-181;
/** A squared norm updated by a rotation is recomputed when it drops below this fraction. */
const DROP: f64 = 0.0009765625; // 2^-10

/** f64 work length for svdJacobi(m, n): q p + 2 q^2 + 5 q with p = max(m, n), q = min(m, n). */
export function svdWorkLength(m: i32, n: i32): i32 {
  const p = m >= n ? m : n;
  const q = m >= n ? n : m;
  return q * p + 2 * q * q + 5 * q;
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

/** The plane rotation (x, y) <- (c x - s y, s x + c y) of two rows of one array. */
function rotate(x: Float64Array, xo: i32, yo: i32, len: i32, c: f64, s: f64): void {
  for (let i = 0; i < len; i++) {
    const a = x[xo + i];
    const b = x[yo + i];
    x[xo + i] = c * a - s * b;
    x[yo + i] = s * a + c * b;
  }
}

/**
 * Thin SVD of the m x n row-major matrix a: writes u (m x k), s (k), v (n x k), k = min(m, n),
 * with a = u diag(s) v^T, s descending and >= 0, u and v with orthonormal columns.
 * `work` holds at least svdWorkLength(m, n) f64; `a` is only read (before u is written, so u may
 * be a itself). Returns the number of Jacobi sweeps (> 0), or minus it if the rows were still
 * not orthogonal after maxSweeps sweeps (the result is then less accurate).
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
  const bt = 0; // q x p: the columns of B as rows; then the Householder vectors
  const w = q * p; // q x q: R, rotated into J^T R
  const jt = w + q * q; // q x q: J^T (recovered after the sweeps)
  const tau = jt + q * q; // q: reflector factors
  const nrm2 = tau + q; // q: squared norms
  const nrm = nrm2 + q; // q: norms
  const perm = nrm + q; // q: column permutation of B (as f64)
  const z = perm + q; // q: scratch row

  // 1. Scale by a power of two: max |a_ij| in [1, 2).
  const mn = m * n;
  let amax = 0.0;
  for (let i = 0; i < mn; i++) {
    const x = Math.abs(a[i]);
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
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) work[bt + c * p + r] = a[r * n + c] * pre * scale;
    }
  } else {
    for (let i = 0; i < mn; i++) work[bt + i] = a[i] * pre * scale;
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
    // reflector H = I - tau v v^T with v = (1, x[j+1:] / (alpha - beta)), H x = beta e_1
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
    work[tau + j] = t;
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
  // is first swapped with the largest remaining row), until a sweep rotates nothing.
  const tol = EPS * Math.sqrt(<f64>q);
  let sweeps = 0;
  let converged = false;
  while (sweeps < maxSweeps && !converged) {
    sweeps++;
    for (let i = 0; i < q; i++) {
      const a2 = dot(work, w + i * q, work, w + i * q, q);
      work[nrm2 + i] = a2;
      work[nrm + i] = Math.sqrt(a2);
    }
    let rotations = 0;
    for (let i = 0; i + 1 < q; i++) {
      let piv = i;
      for (let j = i + 1; j < q; j++) {
        if (work[nrm2 + j] > work[nrm2 + piv]) piv = j;
      }
      if (piv != i) swapRows(work, w, i, piv, q, nrm2, nrm);
      const io = w + i * q;
      for (let j = i + 1; j < q; j++) {
        let ai = work[nrm2 + i];
        let aj = work[nrm2 + j];
        if (ai < TINY2 || aj < TINY2) continue;
        const jo = w + j * q;
        const g = dot(work, io, work, jo, q);
        if (Math.abs(g) <= tol * work[nrm + i] * work[nrm + j]) continue;
        rotations++;
        // the rotation that diagonalizes [[ai, g], [g, aj]] (Rutishauser's formulas)
        const zeta = (aj - ai) / (2.0 * g);
        const az = Math.abs(zeta);
        let t = az < 1e150 ? 1.0 / (az + Math.sqrt(1.0 + zeta * zeta)) : 0.5 / az;
        if (zeta < 0.0) t = -t;
        const c = 1.0 / Math.sqrt(1.0 + t * t);
        rotate(work, io, jo, q, c, c * t);
        const ai1 = ai - t * g;
        const aj1 = aj + t * g;
        ai = ai1 < ai * DROP ? dot(work, io, work, io, q) : ai1;
        aj = aj1 < aj * DROP ? dot(work, jo, work, jo, q) : aj1;
        work[nrm2 + i] = ai;
        work[nrm + i] = Math.sqrt(ai);
        work[nrm2 + j] = aj;
        work[nrm + j] = Math.sqrt(aj);
      }
    }
    if (rotations == 0) converged = true;
  }

  // 5. Singular values (exact norms), sorted descending with the rows of W.
  for (let i = 0; i < q; i++) {
    const a2 = dot(work, w + i * q, work, w + i * q, q);
    work[nrm2 + i] = a2;
    work[nrm + i] = Math.sqrt(a2);
  }
  for (let i = 0; i + 1 < q; i++) {
    let best = i;
    for (let j = i + 1; j < q; j++) {
      if (work[nrm + j] > work[nrm + best]) best = j;
    }
    if (best != i) swapRows(work, w, i, best, q, nrm2, nrm);
  }
  let good = 0; // rows 0 .. good-1 have nonzero norms
  while (good < q && work[nrm2 + good] >= TINY2) good++;

  // 6. U_x: the rows of W normalized (orthogonal to tol by the Jacobi stopping test); the zero
  // rows completed to an orthonormal set.
  for (let i = 0; i < good; i++) {
    const io = w + i * q;
    const sg = work[nrm + i];
    for (let c = 0; c < q; c++) work[io + c] /= sg;
  }
  for (let c = 0; c < q; c++) work[z + c] = 0.0;
  for (let i = 0; i < good; i++) addSquares(work, z, w + i * q, q);
  for (let i = good; i < q; i++) complete(work, w, i, q, z);

  // 7. J (rows of J^T): W = J^T R gives J^T = diag(S)^-1 U_x^T R^T, row i = (R u_i)^T / s_i.
  // Accurate to about eps |R| / s_i, so re-orthogonalized by Gram-Schmidt in order of
  // decreasing s_i (the error this leaves in J diag(S) is of order eps |R|); rows that
  // cannot be recovered that way (zero or tiny s_i) are completed like those of U_x.
  for (let c = 0; c < q; c++) work[z + c] = 0.0;
  for (let i = 0; i < q; i++) {
    const io = jt + i * q;
    for (let c = 0; c < q; c++) work[io + c] = 0.0;
    if (i < good) {
      // (R u)[r] = sum over c >= r of R[r][c] u[c]; column c of R is bt[c p + 0 .. c]
      const uo = w + i * q;
      for (let c = 0; c < q; c++) {
        const uc = work[uo + c];
        const co = bt + c * p;
        for (let r = 0; r <= c; r++) work[io + r] += work[co + r] * uc;
      }
      const f = 1.0 / work[nrm + i];
      for (let c = 0; c < q; c++) work[io + c] *= f;
    }
    if (!orthonormalize(work, jt, i, q)) complete(work, jt, i, q, z);
    else addSquares(work, z, io, q);
  }

  // 8. Outputs. S, scaled back.
  const unscale = 1.0 / scale;
  const unpre = 1.0 / pre;
  for (let i = 0; i < q; i++) s[i] = work[nrm + i] * unscale * unpre;
  // right singular vectors of B: row perm[r] of P U_x is row r of U_x, U_x[r][i] = W[i][r]
  for (let r = 0; r < q; r++) {
    const ro = ((<i32>work[perm + r]) | 0) * q;
    for (let i = 0; i < q; i++) right[ro + i] = work[w + i * q + r];
  }
  // left singular vectors of B: Q [J; 0] = H_0 ... H_{q-1} [J; 0], applied row-wise
  for (let r = 0; r < p; r++) {
    for (let i = 0; i < q; i++) left[r * q + i] = r < q ? work[jt + i * q + r] : 0.0;
  }
  for (let j = q - 1; j >= 0; j--) {
    const t = work[tau + j];
    if (t == 0.0) continue;
    const xo = bt + j * p;
    // z = v^T Y over rows j..p-1 (v_j = 1), then Y -= tau v z
    for (let i = 0; i < q; i++) work[z + i] = left[j * q + i];
    for (let r = j + 1; r < p; r++) {
      const vr = work[xo + r];
      const ro = r * q;
      for (let i = 0; i < q; i++) work[z + i] += vr * left[ro + i];
    }
    for (let i = 0; i < q; i++) {
      work[z + i] *= t;
      left[j * q + i] -= work[z + i];
    }
    for (let r = j + 1; r < p; r++) {
      const vr = work[xo + r];
      const ro = r * q;
      for (let i = 0; i < q; i++) left[ro + i] -= vr * work[z + i];
    }
  }
  return converged ? sweeps : -sweeps;
}

/** Swaps rows i and j (length len) of the matrix at `base`, and entries i, j of two vectors. */
function swapRows(x: Float64Array, base: i32, i: i32, j: i32, len: i32, v1: i32, v2: i32): void {
  const io = base + i * len;
  const jo = base + j * len;
  for (let c = 0; c < len; c++) {
    const t = x[io + c];
    x[io + c] = x[jo + c];
    x[jo + c] = t;
  }
  let t = x[v1 + i];
  x[v1 + i] = x[v1 + j];
  x[v1 + j] = t;
  t = x[v2 + i];
  x[v2 + i] = x[v2 + j];
  x[v2 + j] = t;
}

/** z[c] += row[c]^2: z tracks how much of each canonical vector e_c the rows so far span. */
function addSquares(x: Float64Array, z: i32, ro: i32, len: i32): void {
  for (let c = 0; c < len; c++) x[z + c] += x[ro + c] * x[ro + c];
}

/**
 * Orthogonalizes row i of the matrix at `base` (rows of length len) against rows 0..i-1
 * (orthonormal) by modified Gram-Schmidt, repeated once if the first pass cancelled more than
 * half of the norm ("twice is enough"), and normalizes it. Returns false, leaving the row
 * unusable, when the row is zero or (numerically) in the span of the others.
 */
function orthonormalize(x: Float64Array, base: i32, i: i32, len: i32): bool {
  const io = base + i * len;
  let before = Math.sqrt(dot(x, io, x, io, len));
  if (before == 0.0) return false;
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < i; k++) {
      const ko = base + k * len;
      const d = dot(x, ko, x, io, len);
      for (let c = 0; c < len; c++) x[io + c] -= d * x[ko + c];
    }
    const after = Math.sqrt(dot(x, io, x, io, len));
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
 * first on ties), Gram-Schmidt twice, normalized; then adds its squares to z.
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
      for (let k = 0; k < i; k++) {
        const ko = base + k * len;
        const d = dot(x, ko, x, io, len);
        for (let c = 0; c < len; c++) x[io + c] -= d * x[ko + c];
      }
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
