// Matrix products built on the vector primitives, shared by MFVI and RoVI.
import { dot, matrixTimesPair, matrixTimesRowsInOrder } from "./vector";

/**
 * Largest d for matrixTimesPair(): 1.3-1.8x faster than a dotPair() per row up to d = 16, 1.1-1.2x
 * at 40 to 64. Above it matrixTimesRowsInOrder(), 1.7x faster than a dotPair() per row at d = 100
 * (its tiles stay in registers over all of a row; dot-shaped loops are bound by their loads and
 * totals there), whose sums, in order of the columns, are not dot()'s: the bits below this d stay.
 */
const PAIR_MAX_D = 64;

/**
 * out_j = M y_j for n row vectors y_j of length d, M the d x d row-major matrix at m[mo ..]. Up to
 * d = PAIR_MAX_D two vectors per pass over M, each entry the dot() of a row of M and y_j; above
 * it, each entry summed in order of the columns (matrixTimesRowsInOrder).
 */
export function matrixTimesRows(m: Float64Array, mo: i32, d: i32, y: Float64Array, n: i32, out: Float64Array): void {
  if (d > PAIR_MAX_D) {
    matrixTimesRowsInOrder(m, mo, d, y, n, out);
    return;
  }
  let j = 0;
  for (; j + 1 < n; j += 2) matrixTimesPair(m, mo, d, y, j * d, j * d + d, out, j * d, j * d + d);
  if (j < n) for (let r = 0; r < d; r++) out[j * d + r] = dot(m, mo + r * d, y, j * d, d);
}
