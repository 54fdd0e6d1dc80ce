// E_q[V] for the q a fit returns: a product of histogram densities (uniform within each cell),
// rotated. Exact quadrature integrates V over every cell by a tensor Gauss-Legendre rule (the
// grid's midpoint sum, which the fit optimises, misses about sum_i h_i^2 / 24 E[d_ii V]);
// sampled quadrature averages V over exact draws from q, with the standard error of that mean.
import { BufferSet, type Buffer, type Handle } from "./backend.js";
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
 * A built-in mixture (`lines`: the engine's workspace, its W_k = L_k^-1 O set) is summed by
 * lines along the last axis in one kernel (mfviRulePotential), any other target by the
 * density at batches of points. Either sum runs in a fixed order, so both backends give the
 * same bits. A sum of more than one batch reads `signal` before each batch and returns null
 * once it is aborted (a partial sum is no estimate; one batch costs no more than a sampled
 * estimate).
 */
export function cellIntegratedPotential(f: Float64Array, evaluator: Evaluator, bufs: BufferSet, signal: AbortSignal | null = null, lines: Handle | null = null): number | null {
  const { d, G, rotation, grids } = readCompact(f);
  const rule = GAUSS_LEGENDRE[nodesFor(d, G)];
  const m = rule.nodes.length;
  // per axis: the nodes of every cell with mass, and their weights (mass x rule weight / 2)
  const ys: number[] = [];
  const ws: number[] = [];
  const counts = grids.map((g) => {
    const before = ys.length;
    for (let c = 0; c < G; c++) {
      if (!(g.mass[c] > 0)) continue;
      for (let u = 0; u < m; u++) {
        ys.push(0.5 * (g.edges[c] + g.edges[c + 1]) + 0.5 * (g.edges[c + 1] - g.edges[c]) * rule.nodes[u]);
        ws.push(g.mass[c] * 0.5 * rule.weights[u]);
      }
    }
    return ys.length - before;
  });
  const k = bufs.backend.kernels;
  const local = new BufferSet(bufs.backend); // the rule's own buffers, freed on return
  try {
    const copy = (v: ArrayLike<number>) => {
      const b = local.f64(v.length);
      b.view.set(v);
      return b;
    };
    const [nodes, nodeWeights] = [copy(ys), copy(ws)];
    const countsBuffer = local.i32(d);
    countsBuffer.view.set(counts);
    const index = local.i32(2 * d);
    const count = counts.reduce((c, n) => c * n, 1);
    if (evaluator.mixture && lines !== null) {
      // tuples of the other axes, each a line of counts[d - 1] nodes
      const tuples = count / counts[d - 1];
      const perBatch = Math.max(1, Math.floor(BATCH / counts[d - 1]));
      const e = local.f64(counts[d - 1]);
      let total = 0;
      for (let from = 0; from < tuples; from += perBatch) {
        if (count > BATCH && signal?.aborted) return null;
        total = k.mfviRulePotential(lines, evaluator.descriptor, nodes.handle, nodeWeights.handle, countsBuffer.handle, from, Math.min(tuples, from + perBatch), e.handle, index.handle);
      }
      return total;
    }
    const [rot, base] = [copy(rotation), local.f64(d)];
    const X = bufs.scratch("klCells", BATCH * d);
    const W = bufs.scratch("klCellsWeights", BATCH);
    const logp = bufs.scratch("klCellsLogp", BATCH);
    // every tuple of nodes in a fixed order
    let total = 0;
    for (let from = 0; from < count; from += BATCH) {
      if (count > BATCH && signal?.aborted) return null;
      const n = Math.min(BATCH, count - from);
      k.tensorRulePoints(nodes.handle, nodeWeights.handle, countsBuffer.handle, rot.handle, d, from, n, X.handle, W.handle, base.handle, index.handle);
      evaluator.logDensity(X, n, logp);
      const w = W.view; // read after the user's code, which may have grown WASM memory (detaching views)
      const lp = logp.view;
      for (let j = 0; j < n; j++) total -= w[j] * lp[j];
    }
    return total;
  } finally {
    local.free();
  }
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
