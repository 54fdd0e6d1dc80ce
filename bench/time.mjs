// Timing shared by the suites, on tinybench: the median wall time of each task in ms, after
// tinybench's warm-up (JIT and WASM tier-up). Tasks may be async.
import { Bench } from "tinybench";

/** Times each `tasks[name]` and returns { name: median ms }. */
export async function medianMs(tasks, { time = 1000 } = {}) {
  const bench = new Bench({ time, iterations: 10, warmupTime: Math.min(300, time / 3), warmupIterations: 3 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out = {};
  for (const task of bench.tasks) {
    if (task.result?.state !== "completed") throw new Error(`bench task ${task.name} did not complete: ${task.result?.state}`);
    out[task.name] = task.result.latency.p50;
    console.log(`  ${task.name}: median ${task.result.latency.p50.toPrecision(4)} ms over ${task.result.latency.samplesCount} runs`);
  }
  return out;
}
