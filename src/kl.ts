// E_q[V] for the q a fit returns: a product of histogram densities (uniform within each cell),
// rotated. Exact quadrature integrates V over every cell by a tensor Gauss-Legendre rule (the
// grid's midpoint sum, which the fit optimises, misses about sum_i h_i^2 / 24 E[d_ii V]);
// sampled quadrature averages V over exact draws from q, with the standard error of that mean.
import type { Buffer, BufferSet } from "./backend.js";
import type { Evaluator } from "./core/evaluator.js";
import { readCompact } from "./core/views.js";

/** Gauss-Legendre nodes on [-1, 1] and weights, by the number of nodes per cell and axis. */
const GAUSS_LEGENDRE: Record<number, { nodes: number[]; weights: number[] }> = {
  2: { nodes: [-0.5773502691896257, 0.5773502691896257], weights: [1, 1] },
  3: { nodes: [-0.7745966692414834, 0, 0.7745966692414834], weights: [0.5555555555555556, 0.8888888888888888, 0.5555555555555556] },
};

/**
 * Nodes per cell and axis: 3 (exact for V of degree 5 in each cell) on grids of up to 128
 * cells in 1-D and 2-D, else 2 (exact to degree 3; the cells are then narrow, and the rule's
 * error, O(h^4) per cell, is far below any Monte Carlo check's).
 */
const nodesFor = (d: number, G: number) => (d <= 2 && G <= 128 ? 3 : 2);

/** Points evaluated per batch. */
const BATCH = 1 << 16;

/**
 * E_q[V] over the cells of the factors' grids (compact workspace f), by the tensor rule: for
 * each cell of the product grid with positive mass, the rule's nodes in y, rotated to x = O y.
 * The sum runs in a fixed order, so every backend and engine gives the same bits. A sum of
 * more than one batch reads `signal` before each batch and returns null once it is aborted
 * (a partial sum is no estimate; one batch costs no more than a sampled estimate).
 */
export function cellIntegratedPotential(f: Float64Array, evaluator: Evaluator, bufs: BufferSet, signal: AbortSignal | null = null): number | null {
  const { d, G, rotation, grids } = readCompact(f);
  const rule = GAUSS_LEGENDRE[nodesFor(d, G)];
  const m = rule.nodes.length;
  // per axis: the nodes of every cell with mass, and their weights (mass x rule weight / 2)
  const axes = grids.map((g) => {
    const y: number[] = [];
    const w: number[] = [];
    for (let c = 0; c < G; c++) {
      if (!(g.mass[c] > 0)) continue;
      for (let u = 0; u < m; u++) {
        y.push(0.5 * (g.edges[c] + g.edges[c + 1]) + 0.5 * (g.edges[c + 1] - g.edges[c]) * rule.nodes[u]);
        w.push(g.mass[c] * 0.5 * rule.weights[u]);
      }
    }
    return { y: Float64Array.from(y), w: Float64Array.from(w) };
  });
  const X = bufs.scratch("klCells", BATCH * d);
  const logp = bufs.scratch("klCellsLogp", BATCH);
  const weights = new Float64Array(BATCH);
  let n = 0;
  let total = 0;
  let x = X.view;
  const flush = () => {
    if (n === 0) return true;
    if (count > BATCH && signal?.aborted) return false;
    evaluator.logDensity(X, n, logp);
    const lp = logp.view;
    for (let j = 0; j < n; j++) total -= weights[j] * lp[j];
    n = 0;
    x = X.view; // the user's code may have grown WASM memory, detaching the old view
    return true;
  };
  // every tuple of nodes, the last axis fastest; the other axes' part of the weight and of
  // x = O y is formed once per tuple of theirs (the same operations in the same order as
  // forming each point whole, so the same bits)
  const index = new Int32Array(d);
  const count = axes.reduce((c, a) => c * a.y.length, 1);
  const last = d - 1;
  const base = new Float64Array(d);
  let wBase = 1;
  for (let t = 0; t < count; t++) {
    if (index[last] === 0) {
      wBase = 1;
      for (let i = 0; i < last; i++) wBase *= axes[i].w[index[i]];
      for (let r = 0; r < d; r++) {
        let s = 0;
        for (let i = 0; i < last; i++) s += rotation[r * d + i] * axes[i].y[index[i]];
        base[r] = s;
      }
    }
    const yLast = axes[last].y[index[last]];
    for (let r = 0; r < d; r++) x[n * d + r] = base[r] + rotation[r * d + last] * yLast;
    weights[n++] = wBase * axes[last].w[index[last]];
    if (n === BATCH && !flush()) return null;
    for (let i = d - 1; i >= 0 && ++index[i] === axes[i].y.length; i--) index[i] = 0;
  }
  return flush() ? total : null;
}

/** A Monte Carlo mean and its standard error. */
export interface Estimate {
  mean: number;
  standardError: number;
}

/**
 * E_q[V] from `total` exact draws of q, in at least 8 independent blocks of Latin-hypercube
 * draws (so the additive part of V is nearly free of noise); the standard error is that of
 * the mean of the blocks' means, which is honest for stratified draws. `draw` fills x with n
 * draws from the generator it owns.
 */
export function sampledPotential(total: number, d: number, evaluator: Evaluator, bufs: BufferSet, draw: (n: number, x: Buffer<Float64Array>) => void, meanPotential: (logp: Buffer<Float64Array>, n: number) => number): Estimate {
  const blocks = Math.max(8, Math.ceil(total / 2048));
  const size = Math.ceil(total / blocks);
  const x = bufs.scratch("klX", size * d);
  const logp = bufs.scratch("klLogp", size);
  let sum = 0;
  let sumSquares = 0;
  let count = 0;
  let used = 0;
  for (let done = 0; done < total; done += size) {
    const n = Math.min(size, total - done);
    draw(n, x);
    evaluator.logDensity(x, n, logp);
    const blockMean = meanPotential(logp, n);
    sum += blockMean * n;
    sumSquares += blockMean * blockMean * n;
    count++;
    used += n;
  }
  const mean = sum / used;
  // the blocks' means weighted by their sizes (the last block may be smaller)
  const variance = Math.max(0, sumSquares / used - mean * mean);
  return { mean, standardError: Math.sqrt(variance / (count - 1)) };
}
