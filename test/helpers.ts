// Helpers shared by spec files (not a spec itself).
import { expect } from "vitest";

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
 * The O(h^2) excess of a histogram factor product's KL over that of the smooth factors it
 * resolves: a cell's mean of V exceeds V at its centre by h^2 V'' / 24, so KL(histograms)
 * ~ KL(smooth) + sum_i h_i^2 E[d_ii V] / 24, with `curvature[i]` standing for E[d_ii V]
 * (the precision's diagonal for a Gaussian).
 */
export function gridExcess(q: { marginals: readonly { cellWidth: number }[] }, curvature: readonly number[]): number {
  return q.marginals.reduce((s, m, i) => s + (m.cellWidth * m.cellWidth * curvature[i]) / 24, 0);
}
