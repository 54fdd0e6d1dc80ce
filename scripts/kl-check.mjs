// An independent check of the KL that a RoVI fit reports at high d, where it is a sampled
// estimate: for each seed, the fit on E4's target (two unit-variance components at +-3 u, u a
// random unit vector of R^d) against a Monte Carlo estimate of KL(q || pi) on fresh draws of the
// returned fit, mean(log q - log pi), with its standard error from batch means.
// Prints each seed's z = (reported - check) / (combined standard error) and their mean.
// Usage (after a build): node scripts/kl-check.mjs [d = 50] [seeds = 20] [klSamples = default]
import { setFlagsFromString } from "node:v8";
import { ready, rovi } from "../dist/index.js";
import { alongRandomDirection } from "../bench/suites/rovi.mjs";

// Node 20 can hang at exit after this much allocation (docs/errors-and-limits.md, Node): 2 to 3
// runs in 12 to 20 did; compiling on the main thread avoids it and changes no bit
setFlagsFromString("--no-concurrent-recompilation");

const [d = 50, seeds = 20, klSamples] = process.argv.slice(2).map(Number);
const DRAWS = 200_000;
const BATCH = 20_000;

await ready("wasm");
const target = alongRandomDirection(d); // the benchmark's direction

const zs = [];
for (let seed = 1; seed <= seeds; seed++) {
  const q = await rovi(target, { backend: "wasm", seed, ...(Number.isFinite(klSamples) ? { klSamples } : {}) });
  const means = [];
  for (let b = 0; b < DRAWS / BATCH; b++) {
    const x = q.sample(BATCH, { seed: 100_000 + 100 * seed + b });
    const lq = q.logDensity(x);
    const lp = target.logDensityBatch(x);
    let sum = 0;
    for (let i = 0; i < BATCH; i++) sum += lq[i] - lp[i];
    means.push(sum / BATCH);
  }
  const check = means.reduce((a, b) => a + b) / means.length;
  const checkError = Math.sqrt(means.reduce((a, m) => a + (m - check) ** 2, 0) / (means.length - 1) / means.length);
  const z = (q.kl - check) / Math.hypot(q.klError, checkError);
  zs.push(z);
  console.log(`seed ${seed}: reported ${q.kl.toFixed(5)} ± ${q.klError.toFixed(5)}, check ${check.toFixed(5)} ± ${checkError.toFixed(5)}, z ${z.toFixed(2)} (${q.status})`);
}
const mean = zs.reduce((a, b) => a + b) / zs.length;
const sd = Math.sqrt(zs.reduce((a, z) => a + (z - mean) ** 2, 0) / (zs.length - 1));
console.log(`mean z ${mean.toFixed(2)} ± ${(sd / Math.sqrt(zs.length)).toFixed(2)}, spread of z ${sd.toFixed(2)} (1 if the reported errors are exact)`);
