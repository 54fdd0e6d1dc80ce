// Typed views of the kernels' workspaces: the only code in the facade that knows their header
// slots and offsets (assembly/mfvi.ts and assembly/advi.ts define them).
import type { Buffer } from "../backend.js";
import * as P from "../generated/portable/index.js";

/** One factor's histogram: G cells between G + 1 increasing edges, with their masses. */
export interface FactorGrid {
  edges: Float64Array;
  mass: Float64Array;
}

/** Rows of an mfviInit workspace that a compact copy keeps: grids, masses, CDFs, rotation. */
const COMPACT_BLOCKS: readonly [slot: number, length: (d: number, G: number) => number][] = [
  [P.O_X, (d, G) => d * (G + 1)],
  [P.O_P, (d, G) => d * G],
  [P.O_CUM, (d, G) => d * (G + 1)],
  [P.O_ROT, (d) => d * d],
];

/** Edge mass that widens a grid (mfviInit's `edge`). */
export const EDGE_MASS = 1e-9;

/** A CAVI workspace (the mfviInit layout) in a kernel buffer. */
export class MfviView {
  constructor(readonly buffer: Buffer<Float64Array>) {}

  private get v(): Float64Array {
    return this.buffer.view;
  }
  get d(): number {
    return this.v[P.H_D];
  }
  get G(): number {
    return this.v[P.H_G];
  }
  set beta(beta: number) {
    this.v[P.H_BETA] = beta;
  }
  /** Largest total-variation change of a factor in the last sweep. */
  get maxChange(): number {
    return this.v[P.H_MAXTV];
  }
  /** E_mu[V] from the last coordinate update (untempered). */
  get expectedPotential(): number {
    return this.v[P.H_EV];
  }
  /** sum_i H(mu_i), as of the last mfviEndSweep. */
  get entropy(): number {
    return this.v[P.H_ENTROPY];
  }
  /** Points of the other coordinates in use for the current update. */
  get effectiveSamples(): number {
    return this.v[P.H_SEFF];
  }
  get rotation(): Float64Array {
    const at = this.v[P.O_ROT];
    return this.v.slice(at, at + this.d * this.d);
  }
  set rotation(o: Float64Array) {
    this.v.set(o, this.v[P.O_ROT]);
  }

  /** A compact copy (the mfviInit layout with S = K = 0): what an Approximation keeps. */
  compact(): Float64Array {
    const { d, G, v } = this;
    const out = new Float64Array(P.mfviSize(d, G, 0, 0));
    P.mfviInit(out, d, G, 0, 0, 1, 0, 0, EDGE_MASS);
    for (const [slot, length] of COMPACT_BLOCKS) out.set(v.subarray(v[slot], v[slot] + length(d, G)), out[slot]);
    return out;
  }
}

/** The dimension, rotation and factor grids held in a compact workspace (MfviView.compact). */
export function readCompact(f: Float64Array): { d: number; G: number; rotation: Float64Array; grids: FactorGrid[] } {
  const d = f[P.H_D];
  const G = f[P.H_G];
  const rot = f[P.O_ROT];
  const grids = Array.from({ length: d }, (_, i) => ({
    edges: f.slice(f[P.O_X] + i * (G + 1), f[P.O_X] + (i + 1) * (G + 1)),
    mass: f.slice(f[P.O_P] + i * G, f[P.O_P] + (i + 1) * G),
  }));
  return { d, G, rotation: f.slice(rot, rot + d * d), grids };
}

/** An ADVI workspace (the adviInit layout): Adam's state and the window's sums. */
export class AdviView {
  constructor(
    readonly buffer: Buffer<Float64Array>,
    /** Parameters: adviParams(d, full). */
    readonly p: number,
  ) {}

  private block(b: number): Float64Array {
    const at = P.adviAt(this.p, b);
    return this.buffer.view.slice(at, at + this.p);
  }
  /** The parameters (m, omega = log diag L, then L below the diagonal in full rank). */
  get theta(): Float64Array {
    return this.block(P.AB_THETA);
  }
  set theta(value: Float64Array) {
    this.buffer.view.set(value, P.adviAt(this.p, P.AB_THETA));
  }
  /** The sum of theta over the window's iterations. */
  get windowSum(): Float64Array {
    return this.block(P.AB_WSUM);
  }
  /** Iterations summed into the window. */
  get windowIterations(): number {
    return this.buffer.view[P.AD_WIN];
  }
  /** The sum of the window's ELBO estimates. */
  get windowElbo(): number {
    return this.buffer.view[P.AD_WELBO];
  }
  /** The last iteration's ELBO estimate. */
  get elbo(): number {
    return this.buffer.view[P.AD_ELBO];
  }
}
