// The kernels' elementary functions for host code, including a user's custom target.
import * as P from "./generated/portable/index.js";

/**
 * The elementary functions the kernels use (ports of fdlibm, each within 1 ulp of the
 * correctly rounded result), with the same bits in every JavaScript engine and in WASM.
 * `Math.exp` and `Math.log` are not bound to one result: Node 20 and Chromium 156 differ in
 * the last bit of `Math.exp(-19.017466687531318)`. A custom target written with these
 * instead of `Math.*` (and `x * x` instead of `x ** 2`) gives a fit the same bits in Node
 * and in every browser.
 *
 * @example
 * import assert from "node:assert";
 * import { math } from "rovi";
 * assert.strictEqual(math.logAddExp(-1000, -1001), -1000 + math.log1p(math.exp(-1)));
 * assert.strictEqual(Math.log(Math.exp(-1000) + Math.exp(-1001)), -Infinity); // what it avoids
 */
export const math: {
  /** e^x. */
  readonly exp: (x: number) => number;
  /** Natural logarithm. */
  readonly log: (x: number) => number;
  /** log(1 + x), accurate for small x. */
  readonly log1p: (x: number) => number;
  /** e^x - 1, accurate for small x. */
  readonly expm1: (x: number) => number;
  /** log(1 + e^x), without overflow. */
  readonly log1pexp: (x: number) => number;
  /** log(e^a + e^b), without overflow or underflow. */
  readonly logAddExp: (a: number, b: number) => number;
  /** The error function. */
  readonly erf: (x: number) => number;
  /** 1 - erf(x), accurate in the tail. */
  readonly erfc: (x: number) => number;
} = Object.freeze({ exp: P.exp, log: P.log, log1p: P.log1p, expm1: P.expm1, log1pexp: P.log1pexp, logAddExp: P.logAddExp, erf: P.erf, erfc: P.erfc });
