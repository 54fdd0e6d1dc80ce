// Matrix products built on the vector primitives, shared by MFVI and RoVI.
import { dot, dotPair, matrixTimesPair } from "./vector";

/**
 * Largest d for matrixTimesPair(): 1.3-1.8x faster than a dotPair() per row up to d = 16, 1.1-1.2x
 * at 40 to 64, 0.85-1 at 100 and beyond (where dotPair()'s full-width loads win).
 */
const PAIR_MAX_D = 64;

/**
 * out_j = M y_j for n row vectors y_j of length d, M the d x d row-major matrix at m[mo ..];
 * two vectors per pass over M (each entry the dot() of a row of M and y_j).
 */
export function matrixTimesRows(m: Float64Array, mo: i32, d: i32, y: Float64Array, n: i32, out: Float64Array): void {
  let j = 0;
  for (; j + 1 < n; j += 2) {
    const a = j * d;
    if (d <= PAIR_MAX_D) matrixTimesPair(m, mo, d, y, a, a + d, out, a, a + d);
    else for (let r = 0; r < d; r++) dotPair(m, mo + r * d, y, a, a + d, d, out, a + r, a + d + r);
  }
  if (j < n) for (let r = 0; r < d; r++) out[j * d + r] = dot(m, mo + r * d, y, j * d, d);
}
