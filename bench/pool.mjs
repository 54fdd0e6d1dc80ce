// `npm run bench:pool`: the worker pool against one thread, interleaved rounds on the built
// package (dist/). Cases: RoVI with restarts: 4 on a d = 10 two-component mixture, and ULA with
// 4,000 chains on the same mixture. Each round times one thread, then the pool (its workers
// warmed up first), and the report gives the median of the per-round ratios (one thread / pool)
// and the load average, since other processes share the cores; also the cores each side got
// (this process's CPU time, worker threads included, over wall time): under load the pool
// cannot be faster than the extra core it is given. Goal: >= 1.7x on 2 cores.
import { writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { gaussianMixture, lmc, ready, rovi } from "../dist/index.js";
import { WorkerPool } from "../dist/worker/index.js";

const rounds = Number(process.argv[2] ?? 5);
const d = 10;
let s = d;
const u = Array.from({ length: d }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1);
const norm = Math.hypot(...u);
const spec = { weights: [0.5, 0.5], means: [u.map((x) => (-2.5 * x) / norm), u.map((x) => (2.5 * x) / norm)], covariances: [1, 1] };
const target = gaussianMixture(spec);
const cases = {
  "RoVI restarts: 4, d = 10": { one: (o) => rovi(target, o), pool: (p, o) => p.rovi(target, o), options: { backend: "wasm", restarts: 4, seed: 1 } },
  "ULA 4,000 chains x 300 steps, d = 10": { one: (o) => lmc(target, o), pool: (p, o) => p.lmc(target, o), options: { backend: "wasm", chains: 4000, steps: 300, step: 0.05, seed: 1 } },
};

await ready("wasm");
const pool = new WorkerPool();
const workers = await pool.workers();
/** Wall time (ms) and cores used (CPU time / wall time) of one call. */
const time = async (f) => {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await f();
  const wall = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { wall, cores: (used.user + used.system) / 1000 / wall };
};
for (const c of Object.values(cases)) await c.pool(pool, c.options); // start and warm the workers
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
console.log(`${rounds} rounds, ${workers} workers, ${availableParallelism()} cores; load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
for (const [name, c] of Object.entries(cases)) {
  const ones = [];
  const pools = [];
  for (let r = 0; r < rounds; r++) {
    ones.push(await time(() => c.one(c.options)));
    pools.push(await time(() => c.pool(pool, c.options)));
  }
  const ratios = ones.map((o, r) => o.wall / pools[r].wall);
  const row = {
    case: name,
    oneThreadMs: median(ones.map((o) => o.wall)),
    poolMs: median(pools.map((p) => p.wall)),
    medianRatio: median(ratios),
    ratios,
    oneThreadCores: median(ones.map((o) => o.cores)),
    poolCores: median(pools.map((p) => p.cores)),
    load: loadavg()[0],
  };
  results.push(row);
  console.log(
    `  ${name}: one thread ${row.oneThreadMs.toFixed(0)} ms on ${row.oneThreadCores.toFixed(2)} cores, pool ${row.poolMs.toFixed(0)} ms on ${row.poolCores.toFixed(2)} cores; ` +
      `per-round ratios ${ratios.map((x) => x.toFixed(2)).join(" ")}; median ${row.medianRatio.toFixed(2)}x (goal >= 1.7x); load ${row.load.toFixed(2)}`,
  );
}
pool.terminate();
writeFileSync(new URL("./results/pool.json", import.meta.url), JSON.stringify({ workers, results }, null, 2) + "\n");
