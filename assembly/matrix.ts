// Matrix products built on the vector primitives, shared by MFVI and RoVI.
import { dot, dotPair } from "./vector";

/**
 * out_j = M y_j for n row vectors y_j of length d, M the d x d row-major matrix at m[mo ..];
 * two rows per pass over M (each entry the dot() of a row of M and y_j).
 */
export function matrixTimesRows(m: Float64Array, mo: i32, d: i32, y: Float64Array, n: i32, out: Float64Array): void {
  let j = 0;
  for (; j + 1 < n; j += 2) {
    const a = j * d;
    for (let r = 0; r < d; r++) dotPair(m, mo + r * d, y, a, a + d, d, out, a + r, a + d + r);
  }
  if (j < n) for (let r = 0; r < d; r++) out[j * d + r] = dot(m, mo + r * d, y, j * d, d);
}
