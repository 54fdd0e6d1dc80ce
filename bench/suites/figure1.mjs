// The paper's Figure 1 at m = 3, pi = 1/2 N(-3 1, I) + 1/2 N(3 1, I) in 2-D: rovi's MFVI and
// RoVI fits (defaults, WASM) against webppl 0.9.15's mean-field VI (a Gaussian guide per
// coordinate, Adam on the ELBO), interleaved; the masses each puts on the two components. webppl
// runs warm (its program compiled once; each run prepares and runs it, seeds 1..5 in turn);
// its cold start (loading webppl, compiling, the first run) is timed once. It is skipped, with
// a note, when the devDependency is not installed. A coarser RoVI (64 cells, 1024 rotation
// draws) shows what accuracy buys time; every fit's KL stands beside its time (webppl's by
// Monte Carlo on draws of its guide, with its standard error). After the race, RoVI's time is split into
// its parts (sweeps, rotation steps, the final KL) by timing the engine's methods.
import { createRequire } from "node:module";
import { Engine } from "../../dist/cavi.js";
import { componentMass, gaussianMixture, mfvi, ready, rovi } from "../../dist/index.js";
import { Rotator } from "../../dist/rotation.js";
import { cpuMs, interleave, lcg, ratio, showRatio } from "../harness.mjs";

const STEPS = 1000;
const SEEDS = [1, 2, 3, 4, 5];
const COARSE = { gridSize: 64, rotationSamples: 1024 };

// V(x) = -log pi(x) over a wide Gaussian prior that the factor cancels: the posterior is pi.
const PROGRAM = `
var guide = function(name) {
  return function() { return Gaussian({mu: param({name: 'm' + name}), sigma: Math.exp(param({name: 's' + name}))}); };
};
var logPi = function(x, y) {
  var a = -0.5 * ((x + 3) * (x + 3) + (y + 3) * (y + 3));
  var b = -0.5 * ((x - 3) * (x - 3) + (y - 3) * (y - 3));
  var top = a > b ? a : b;
  return top + Math.log(0.5 * Math.exp(a - top) + 0.5 * Math.exp(b - top)) - Math.log(2 * Math.PI);
};
var prior = Gaussian({mu: 0, sigma: 10});
var model = function() {
  var x = sample(prior, {guide: guide('x')});
  var y = sample(prior, {guide: guide('y')});
  factor(logPi(x, y) - prior.score(x) - prior.score(y));
  return 0;
};
Optimize({model: model, steps: ${STEPS}, optMethod: {adam: {stepSize: 0.05}}, estimator: {ELBO: {samples: 1}}});
var value = function(name) { return ad.value(param({name: name})); };
[value('mx'), Math.exp(value('sx')), value('my'), Math.exp(value('sy'))];
`;

/** n draws of the product of N(mx, sx^2) and N(my, sy^2) (Box-Muller on a fixed LCG). */
function gaussianDraws([mx, sx, my, sy], n) {
  const u = lcg(99);
  const out = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    const r = Math.sqrt(-2 * Math.log(1 - (u() + 1) / 2));
    const a = Math.PI * (u() + 1);
    out[2 * j] = mx + sx * r * Math.cos(a);
    out[2 * j + 1] = my + sy * r * Math.sin(a);
  }
  return out;
}

/** KL(q || pi) of webppl's guide q by Monte Carlo on n of its draws: "mean ± standard error". */
function guideKl(params, target, n) {
  const [mx, sx, my, sy] = params;
  const x = gaussianDraws(params, n);
  const logPi = target.logDensityBatch(x);
  const normal = (v, m, s) => -0.5 * ((v - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
  let sum = 0;
  let sq = 0;
  for (let j = 0; j < n; j++) {
    const f = normal(x[2 * j], mx, sx) + normal(x[2 * j + 1], my, sy) - logPi[j];
    sum += f;
    sq += f * f;
  }
  const mean = sum / n;
  return `${mean.toFixed(4)} ± ${Math.sqrt((sq / n - mean * mean) / (n - 1)).toFixed(4)}`;
}

/** CPU ms per fit in the engine's sweeps, rotation steps and final KL (the rest is the facade's), over `fits` fits of fit(). */
async function split(fit, fits) {
  const parts = [
    ["sweeps", Engine.prototype, "checkedSweep"],
    ["rotation steps", Rotator.prototype, "step"],
    ["the final KL", Engine.prototype, "evaluateKl"],
  ];
  const ms = Object.fromEntries(parts.map(([name]) => [name, { ms: 0, calls: 0 }]));
  const originals = parts.map(([name, proto, method]) => {
    const f = proto[method];
    proto[method] = function (...args) {
      const t = process.cpuUsage();
      const r = f.apply(this, args);
      const e = process.cpuUsage(t);
      ms[name].ms += (e.user + e.system) / 1000;
      ms[name].calls++;
      return r;
    };
    return f;
  });
  try {
    const total = await cpuMs(async () => {
      for (let i = 0; i < fits; i++) await fit();
    });
    const per = (x) => Number((x / fits).toPrecision(3));
    const shown = Object.entries(ms).map(([name, p]) => `${name} ${per(p.ms)} ms (${per(p.calls)} calls)`);
    const rest = total - Object.values(ms).reduce((a, p) => a + p.ms, 0);
    return `RoVI's ${per(total)} ms a fit (${fits} fits, timed apart from the race): ${shown.join(", ")}, the rest ${per(rest)} ms.`;
  } finally {
    parts.forEach(([, proto, method], i) => (proto[method] = originals[i]));
  }
}

function loadWebppl() {
  try {
    const require = createRequire(import.meta.url);
    return { webppl: require("webppl"), util: require("webppl/src/util") };
  } catch (e) {
    return { skipped: `webppl skipped: the devDependency does not load (${String(e.message).split("\n")[0]}).` };
  }
}

export default async function () {
  await ready("wasm");
  const m3 = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
  const mass = (x) => Array.from(componentMass(x, m3)).map((v) => v.toFixed(2)).join("/");
  const fits = {};
  const contenders = {
    "mfvi (wasm)": async () => (fits.mfvi = await mfvi(m3, { backend: "wasm" })),
    "rovi (wasm)": async () => (fits.rovi = await rovi(m3, { backend: "wasm" })),
    "rovi coarse (wasm)": async () => (fits.coarse = await rovi(m3, { backend: "wasm", ...COARSE })),
  };
  const notes = [];
  const wp = loadWebppl();
  let cold = null;
  const webpplMasses = {};
  if (wp.webppl) {
    let compiled = null;
    let next = 0;
    const runOnce = () => {
      const seed = SEEDS[next++ % SEEDS.length];
      wp.util.seedRNG(seed);
      return new Promise((resolve) => wp.webppl.prepare(compiled, (_, params) => resolve((webpplMasses[seed] = params)), {}).run());
    };
    cold = await cpuMs(async () => {
      const fresh = loadWebppl();
      compiled = fresh.webppl.compile(PROGRAM, {});
      await runOnce();
    });
    contenders[`webppl mean-field VI (${STEPS} Adam steps, warm)`] = runOnce;
  } else notes.push(wp.skipped);
  const warn = console.warn;
  console.warn = () => {}; // webppl warns that param() is read outside a guide (on purpose, to report it)
  const run = await interleave(contenders, { rounds: 7, minMs: 100, warmup: 1 }).finally(() => (console.warn = warn));
  const kl = (q) => q.kl.toFixed(4);
  const rows = [
    ["MFVI, defaults (exact quadrature, G = 256)", run.ms["mfvi (wasm)"], mass(fits.mfvi), kl(fits.mfvi), ""],
    ["RoVI, defaults", run.ms["rovi (wasm)"], mass(fits.rovi), kl(fits.rovi), ""],
    [`RoVI, gridSize ${COARSE.gridSize}, rotationSamples ${COARSE.rotationSamples}`, run.ms["rovi coarse (wasm)"], mass(fits.coarse), kl(fits.coarse), ""],
  ];
  const goals = [];
  if (wp.webppl) {
    const name = Object.keys(contenders)[3];
    const vs = ratio(run, name, "rovi (wasm)");
    const seeds = SEEDS.filter((s) => webpplMasses[s]);
    const byseed = seeds.map((s) => `seed ${s}: ${mass(gaussianDraws(webpplMasses[s], 20000))}`);
    const klBySeed = seeds.map((s) => `seed ${s}: ${guideKl(webpplMasses[s], m3, 20000)}`);
    const ratios = `${showRatio(vs)} of RoVI's time; ${showRatio(ratio(run, name, "rovi coarse (wasm)"))} of the coarse RoVI's`;
    rows.push([`webppl 0.9.15 mean-field VI, ${STEPS} Adam steps (warm)`, run.ms[name], byseed.join("; "), klBySeed.join("; "), ratios]);
    rows.push(["webppl cold: load, compile, first run", cold, "", "", ""]);
    goals.push({ goal: "Figure 1, m = 3: RoVI >= 3x faster than webppl's mean-field VI (warm)", value: showRatio(vs), met: vs.median >= 3 });
    notes.push("webppl's masses are componentMass of 20,000 draws of its fitted Gaussian guide, and its KL the mean of log q - log pi over the same draws; rovi's masses are of draws of its fit, its KL the fit's own (exact quadrature over its grids).");
  }
  notes.push(await split(() => rovi(m3, { backend: "wasm" }), 10));
  return {
    title: "Figure 1, m = 3: 1/2 N(-3 1, I) + 1/2 N(3 1, I) in 2-D",
    columns: ["method", "CPU ms", "masses on the two components", "KL", "ratio"],
    rows,
    notes,
    goals,
  };
}
