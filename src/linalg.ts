// Singular value decomposition and nearest orthogonal matrix (polar factor), on the kernels of
// assembly/svd.ts (QR-preconditioned one-sided Jacobi). Both functions are async because the
// WASM module compiles asynchronously; the JS backend gives the same bits.
import { copyOut, getBackend, withBuffers, type Backend, type BackendName } from "./backend.js";
import * as P from "./generated/portable/index.js";
import { Described, backendOption, integer, knownKeys, matrix, options as optionsObject, rangeError } from "./validate.js";

/**
 * A real matrix: nested rows (`number[][]`, rows may also be Float64Arrays), or its entries in
 * row-major order (`number[]` or `Float64Array`) with the shape given by `rows` / `cols` in the
 * options (a flat square matrix needs neither). Entries must be finite.
 */
export type MatrixInput = readonly (readonly number[] | Float64Array)[] | readonly number[] | Float64Array;

/** Options of {@link svd}. */
export interface SvdOptions {
  /** 'wasm' (default where WebAssembly exists) or 'js'; both give bit-identical results. */
  backend?: BackendName;
  /** Row count, for flat (row-major) input; checked against nested input. */
  rows?: number;
  /** Column count, for flat (row-major) input; checked against nested input. */
  cols?: number;
}

/** Options of {@link nearestOrthogonal}. */
export interface NearestOrthogonalOptions {
  /** 'wasm' (default where WebAssembly exists) or 'js'; both give bit-identical results. */
  backend?: BackendName;
}

/**
 * The thin SVD A = U diag(S) V^T of a `rows` x `cols` matrix, k = min(rows, cols).
 * Matrices are row-major Float64Arrays: entry (i, j) of U is `U[i * k + j]`, and column j of
 * U and of V is the singular vector of `S[j]`.
 */
export interface SvdResult {
  /** Rows of A (m). */
  readonly rows: number;
  /** Columns of A (n). */
  readonly cols: number;
  /** min(rows, cols): the number of singular values and of columns of U and V. */
  readonly k: number;
  /** Left singular vectors, rows x k, orthonormal columns (also for zero singular values). */
  readonly U: Float64Array;
  /** Singular values, k of them, descending, >= 0. */
  readonly S: Float64Array;
  /** Right singular vectors, cols x k, orthonormal columns (also for zero singular values). */
  readonly V: Float64Array;
  /**
   * Numerical rank: the number of singular values above S[0] * max(rows, cols) * 2^-52
   * (numpy.linalg.matrix_rank's default tolerance).
   */
  readonly rank: number;
  /** Jacobi sweeps used (the last one found every pair of columns orthogonal). */
  readonly sweeps: number;
}

/** The orthogonal polar factor of a square matrix A = Q H (Q orthogonal, H symmetric PSD). */
export interface NearestOrthogonalResult {
  /** Order of A. */
  readonly n: number;
  /** U V^T from the SVD of A: the orthogonal matrix nearest to A in the Frobenius norm; n x n, row-major. */
  readonly Q: Float64Array;
  /** The singular values of A, descending (H = V diag(S) V^T). */
  readonly S: Float64Array;
  /**
   * Whether Q is unique: A has full numerical rank (see {@link SvdResult.rank}). When it is
   * not, Q is still orthogonal and nearest to A, one of several such matrices.
   */
  readonly unique: boolean;
  /** Jacobi sweeps used. */
  readonly sweeps: number;
}

/** Sweep cap of the kernels (Jacobi converges quadratically; up to about 11 sweeps seen at 500 x 500). */
const MAX_SWEEPS = 60;
/** Largest work array (in f64) the facade asks a backend for: 1 GiB. */
const MAX_WORK = 2 ** 27;
/**
 * Largest rows x cols x min(rows, cols), the SVD's time: 2^30, a 1024 x 1024 matrix (about
 * 5 s on one core). One call cannot be interrupted and blocks its thread throughout: in a
 * page, run large ones in a Worker.
 */
export const MAX_SVD_WORK = 2 ** 30;
/** The largest square matrix within MAX_SVD_WORK. */
export const MAX_SVD_ORDER = 1024;

/** Checks the time (MAX_SVD_WORK) and the kernels' work space (2 p q + q^2 + 4 q + p f64), without i32 overflow. */
function checkSize(rows: number, cols: number): void {
  const p = Math.max(rows, cols);
  const q = Math.min(rows, cols);
  const shape = new Described(`a ${rows} x ${cols} matrix`);
  if (rows * cols * q > MAX_SVD_WORK) throw rangeError("matrix", `at most ${MAX_SVD_WORK} in rows x cols x min(rows, cols) (1024 x 1024)`, shape);
  const work = 2 * p * q + q * q + 4 * q + p;
  if (work > MAX_WORK) throw rangeError("matrix", `small enough for ${MAX_WORK} f64 of work space (${work} needed)`, shape);
}

/**
 * A power of two to divide a matrix by when its largest |entry| is beyond 2^+-500, where
 * squares and sums of squares in the kernels would overflow or underflow; otherwise 1.
 * Dividing by it is exact, and U, V and the rank do not depend on the scale.
 */
export function powerOfTwoScale(data: Float64Array): number {
  const big = P.absMax(data, 0, data.length); // the kernels' own (JS twin): exact, in any order
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, big);
  const exponent = ((bits.getUint32(0) >>> 20) & 0x7ff) - 1023;
  if (exponent === -1023 || Math.abs(exponent) <= 500) return 1;
  bits.setUint32(0, (exponent + 1023) << 20);
  bits.setUint32(4, 0);
  return bits.getFloat64(0);
}

/** The matrix into the kernel's buffer, divided by its scale; returns the scale. */
function load(view: Float64Array, data: Float64Array): number {
  const scale = powerOfTwoScale(data);
  view.set(data);
  if (scale !== 1) for (let i = 0; i < view.length; i++) view[i] /= scale;
  return scale;
}

function rankOf(S: Float64Array, rows: number, cols: number): number {
  const tol = (S[0] ?? 0) * Math.max(rows, cols) * 2 ** -52;
  let rank = 0;
  for (const s of S) if (s > tol) rank++;
  return rank;
}

function notConverged(sweeps: number): Error {
  return new Error(`rovi: the Jacobi SVD did not converge in ${sweeps} sweeps (please report this matrix)`);
}

/**
 * Thin singular value decomposition of a real matrix by one-sided Jacobi (Hestenes) after a
 * column-pivoted QR factorization: A = U diag(S) V^T with S descending and non-negative and
 * U, V with orthonormal columns (completed deterministically for zero singular values).
 *
 * Accuracy (measured): ||U diag(S) V^T - A||_F / ||A||_F about 1e-15 up to 50 x 50, 5e-15 at
 * 200 x 200 and 1.3e-14 at 500 x 500; max |U^T U - I| and max |V^T V - I| about 2e-15 at
 * 100 x 100 and 5e-15 at 500 x 500; each S[i] within max(rows, cols) 2^-52 S[0] of numpy's
 * (LAPACK) value, and small singular values of graded matrices usually to high relative
 * accuracy (Jacobi). Time grows like n^3 (about 10 sweeps of n^2 / 2 plane rotations), so
 * the size is capped at rows x cols x min(rows, cols) <= 2^30 (1024 x 1024, seconds); a call
 * cannot be aborted and blocks its thread, so in a page run large ones in a Worker. Entries
 * beyond 2^+-500 are scaled by a power of two first (exactly), so S and rank stay right up to
 * the largest doubles (an S[i] above the largest double is Infinity).
 *
 * @param a the matrix (nested rows, or row-major entries with `rows` / `cols`)
 * @throws TypeError / RangeError for malformed input or options or a matrix beyond the size
 *   cap (the message names the argument), Error if Jacobi does not converge within 60 sweeps
 *
 * @example
 * const { U, S, V, k } = await svd([[3, 0], [4, 5]]);
 * // S = [6.708..., 2.236...]; U[i * k + j], V[i * k + j]
 */
export async function svd(a: MatrixInput, options?: SvdOptions): Promise<SvdResult> {
  const o = optionsObject("options", options);
  knownKeys("options", o, ["backend", "rows", "cols"]);
  const backendName = backendOption("options.backend", o.backend);
  const shape: { rows?: number; cols?: number } = {};
  if (o.rows !== undefined) shape.rows = integer("options.rows", o.rows, 1, MAX_WORK);
  if (o.cols !== undefined) shape.cols = integer("options.cols", o.cols, 1, MAX_WORK);
  const { data, rows, cols } = matrix("matrix", a, shape);
  checkSize(rows, cols);
  return svdOf(await getBackend(backendName), data, rows, cols);
}

/** @internal The SVD of a checked row-major matrix on a loaded backend (svd() without the checks). */
export function svdOf(backend: Backend, data: Float64Array, rows: number, cols: number): SvdResult {
  const k = Math.min(rows, cols);
  const workLength = backend.kernels.svdWorkLength(rows, cols);
  return withBuffers(backend, [rows * cols, rows * k, k, cols * k, workLength], ([A, U, S, V, W]) => {
    const scale = load(A.view, data);
    const sweeps = backend.kernels.svdJacobi(A.handle, rows, cols, U.handle, S.handle, V.handle, W.handle, MAX_SWEEPS);
    if (sweeps < 0) throw notConverged(-sweeps);
    const s = copyOut(S);
    return { rows, cols, k, U: copyOut(U), S: s.map((v) => v * scale), V: copyOut(V), rank: rankOf(s, rows, cols), sweeps };
  }, false); // not zeroed: load fills A, the kernel writes U, S, V and W before it reads them
}

/**
 * The orthogonal matrix nearest to a square matrix A in the Frobenius norm: its polar factor
 * Q = U V^T from the SVD A = U diag(S) V^T (unique when A is nonsingular). Q is orthogonal to
 * about 2e-15 (max |Q^T Q - I|; 6e-15 at 500 x 500) whatever A is, including singular
 * and zero matrices.
 *
 * @param a the square matrix (nested rows, or row-major entries)
 * @throws TypeError / RangeError for malformed input, a non-square matrix or unknown options
 *   (the message names the argument), Error if Jacobi does not converge within 60 sweeps
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { Q, S } = await nearestOrthogonal([[2, 0], [0, 3]]); // a positive diagonal: Q = I
 * assert.deepEqual(Array.from(Q), [1, 0, 0, 1]);
 * assert.deepEqual(Array.from(S), [3, 2]);
 * ```
 */
export async function nearestOrthogonal(a: MatrixInput, options?: NearestOrthogonalOptions): Promise<NearestOrthogonalResult> {
  const o = optionsObject("options", options);
  knownKeys("options", o, ["backend"]);
  const backendName = backendOption("options.backend", o.backend);
  const { data, rows, cols } = matrix("matrix", a);
  if (rows !== cols) throw rangeError("matrix", "square", `${rows} x ${cols}`);
  const n = rows;
  checkSize(n, n);
  const backend = await getBackend(backendName);
  const workLength = backend.kernels.polarWorkLength(n);
  return withBuffers(backend, [n * n, n * n, n, n * n, workLength], ([A, Q, S, V, W]) => {
    const scale = load(A.view, data);
    const sweeps = backend.kernels.polarFactor(A.handle, n, Q.handle, S.handle, V.handle, W.handle, MAX_SWEEPS);
    if (sweeps < 0) throw notConverged(-sweeps);
    const s = copyOut(S);
    return { n, Q: copyOut(Q), S: s.map((v) => v * scale), unique: rankOf(s, n, n) === n, sweeps };
  }, false); // not zeroed, as in svdOf
}
