// The timing harness of every suite. Time is process CPU time (process.cpuUsage, user +
// system, in ms), so waiting (a fit's yield to the event loop, other engineers' processes on
// the same cores) does not count; a peer in a child process times itself with the same clock
// (CLOCK_PROCESS_CPUTIME_ID). Contenders run interleaved: each round runs every contender once,
// in an order that rotates from round to round, so a slow patch of the machine hits all of
// them alike. A ratio is the median over rounds of that round's ratio, reported with the
// spread of the per-round ratios (min-max), never a ratio of separately taken medians.

/** CPU ms used by this process while fn runs (fn may be async). */
export async function cpuMs(fn) {
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** The median of a list of numbers. */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * A contender is a function (timed here, `reps` calls back to back) or { measure(reps) } that
 * returns the CPU ms of reps runs itself (a child process, or a run with its own split times).
 */
async function measure(contender, reps) {
  if (typeof contender === "function")
    return cpuMs(async () => {
      for (let r = 0; r < reps; r++) await contender();
    });
  return contender.measure(reps);
}

/**
 * Runs the contenders (name -> contender) interleaved for `rounds` rounds after a warm-up
 * (JIT and WASM tier-up), each measurement `reps` runs long, with reps chosen so that the
 * fastest contender's measurement takes at least `minMs`. Returns { ms: name -> median ms per
 * run, rounds: [{ name -> ms per run }], reps }.
 */
export async function interleave(contenders, { rounds = 9, minMs = 30, warmup = 2 } = {}) {
  const names = Object.keys(contenders);
  for (let w = 0; w < warmup; w++) for (const name of names) await measure(contenders[name], 1);
  let once = Infinity;
  for (const name of names) once = Math.min(once, Math.max(await measure(contenders[name], 1), 0.01));
  const reps = Math.max(1, Math.ceil(minMs / once));
  const perRound = [];
  for (let r = 0; r < rounds; r++) {
    const row = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      row[name] = (await measure(contenders[name], reps)) / reps;
    }
    perRound.push(row);
  }
  const ms = Object.fromEntries(names.map((n) => [n, median(perRound.map((row) => row[n]))]));
  for (const n of names) console.log(`  ${n}: ${ms[n].toPrecision(4)} ms (median of ${rounds} rounds x ${reps})`);
  return { ms, rounds: perRound, reps };
}

/** slower / faster per round: { median, min, max } (the times of two contenders of one run). */
export function ratio(run, slower, faster) {
  const rs = run.rounds.map((row) => row[slower] / row[faster]);
  return { median: median(rs), min: Math.min(...rs), max: Math.max(...rs) };
}

/** Least-squares slope of log(time) against log(size): the exponent of a power law. */
export function logLogSlope(points) {
  const xs = points.map(([x]) => Math.log(x));
  const ys = points.map(([, y]) => Math.log(y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** A ratio as "4.1x (3.9-4.4)". */
export function showRatio(r) {
  return `${r.median.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})`;
}

/** A random generator on [-1, 1) (an LCG: the same data every run). */
export function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}
