// Helpers shared by spec files (not a spec itself).
import { expect } from "vitest";
import { Engine } from "../src/cavi.js";

/** Asserts that the promise rejects with an error of class `kind` whose message matches. */
export async function expectRejection(promise: Promise<unknown>, kind: abstract new (...args: never[]) => unknown, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toMatch(message);
}

/** Largest |cos| between a column of O (d x d row-major) and the unit vector u. */
export function bestColumnCos(rotation: Float64Array, u: readonly number[]): number {
  const d = u.length;
  const norm = Math.hypot(...u);
  let best = 0;
  for (let c = 0; c < d; c++) {
    let s = 0;
    for (let r = 0; r < d; r++) s += (rotation[r * d + c] * u[r]) / norm;
    best = Math.max(best, Math.abs(s));
  }
  return best;
}

/** max |O^T O - I|. */
export function orthogonalityError(o: Float64Array, d: number): number {
  return columnsOrthonormal(o, d, d);
}

/** max |A^T A - I| over the k columns of an m x k row-major matrix. */
export function columnsOrthonormal(a: Float64Array, m: number, k: number): number {
  let worst = 0;
  for (let r = 0; r < k; r++)
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += a[i * k + r] * a[i * k + c];
      worst = Math.max(worst, Math.abs(s - (r === c ? 1 : 0)));
    }
  return worst;
}

/**
 * The O(w^2) loss of a histogram factor product's KL against the smooth factors it resolves,
 * each factor close to a Gaussian with precision `curvature[i]` (the precision's diagonal for
 * a Gaussian target): a histogram fitted at cell centres loses sum_k p_k w_k^2 U'(c_k)^2 / 24
 * per factor (U = -log of the smooth factor, w_k the cell widths; a cell's mean of V exceeds V
 * at its centre by w^2 U'' / 24, and the midpoint rule misses the rest), here with
 * U'(t) = curvature (t - mean). On a uniform grid that is h^2 curvature / 24.
 */
export function gridExcess(q: { marginals: readonly { x: Float64Array; mass: Float64Array; widths: Float64Array }[] }, curvature: readonly number[]): number {
  return q.marginals.reduce((s, f, i) => {
    const mu = f.mass.reduce((a, p, k) => a + p * f.x[k], 0);
    return s + f.mass.reduce((a, p, k) => a + p * f.widths[k] ** 2 * (curvature[i] * (f.x[k] - mu)) ** 2, 0) / 24;
  }, 0);
}

/** The entropy of a product of histogram factors, sum_i H(q_i) (density p / w on a cell of mass p and width w). */
export function histogramEntropy(q: { marginals: readonly { mass: Float64Array; widths: Float64Array }[] }): number {
  return q.marginals.reduce((s, f) => s - f.mass.reduce((a, p, k) => a + (p > 0 ? p * Math.log(p / f.widths[k]) : 0), 0), 0);
}

/**
 * KL(q || N(m, S)) in closed form for a product of histogram factors q (identity rotation),
 * from its marginals alone: -sum_i H(q_i) + E_q[V], where for the quadratic V
 * E_q[V] = ((mu - m)^T P (mu - m) + sum_i P_ii Var(q_i) + log det(2 pi S)) / 2, P = S^-1, and
 * Var(q_i) counts the spread w^2 / 12 inside each cell.
 */
export function histogramGaussianKl(
  q: { marginals: readonly { x: Float64Array; mass: Float64Array; widths: Float64Array }[] },
  m: readonly number[],
  S: readonly (readonly number[])[],
  P: readonly (readonly number[])[],
): number {
  const d = m.length;
  const mu = q.marginals.map((f) => f.mass.reduce((s, p, k) => s + p * f.x[k], 0));
  const vars = q.marginals.map((f, i) => f.mass.reduce((s, p, k) => s + p * ((f.x[k] - mu[i]) ** 2 + f.widths[k] ** 2 / 12), 0));
  const entropy = histogramEntropy(q);
  let quad = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) quad += (mu[i] - m[i]) * P[i][j] * (mu[j] - m[j]);
  const trace = vars.reduce((s, v, i) => s + P[i][i] * v, 0);
  const logDet = Math.log(det(S.map((r) => [...r]))) + d * Math.log(2 * Math.PI);
  return -entropy + (quad + trace + logDet) / 2;
}

function det(a: number[][]): number {
  // Gaussian elimination without pivoting: the covariances here are positive definite
  let p = 1;
  for (let i = 0; i < a.length; i++) {
    p *= a[i][i];
    for (let r = i + 1; r < a.length; r++) {
      const f = a[r][i] / a[i][i];
      for (let c = i; c < a.length; c++) a[r][c] -= f * a[i][c];
    }
  }
  return p;
}

/** The share of 20,000 stratified draws of a 2-D fit with x_1 < x_2 (mu_1 < mu_2 on Old Faithful). */
export function labelShare(q: { sample(n: number, opts: { seed: number; stratified: boolean }): Float64Array }): number {
  const x = q.sample(20_000, { seed: 1, stratified: true });
  let below = 0;
  for (let j = 0; j < x.length / 2; j++) if (x[2 * j] < x[2 * j + 1]) below++;
  return below / (x.length / 2);
}

/**
 * Calls `seen` after every sweep of every fit with the engine's workspace (its header: H_ADAPT,
 * H_BETA, ...) and the sweep's end; returns the function that stops watching.
 */
export function watchSweeps(seen: (ws: Float64Array, end: ReturnType<Engine["checkedSweep"]>) => void): () => void {
  const sweep = Engine.prototype.checkedSweep;
  Engine.prototype.checkedSweep = function (this: Engine) {
    const end = sweep.call(this);
    seen((this as unknown as { view: { buffer: { view: Float64Array } } }).view.buffer.view, end);
    return end;
  };
  return () => void (Engine.prototype.checkedSweep = sweep);
}
