// Throws malformed and misbehaving calls at every public entry point of dist/ on both backends
// and counts what goes wrong. Not a test: a report (node scripts/fuzz.mjs after npm run build).
// The calls run in a worker watched by this thread, so a hang (> 30 s) or a dead worker is
// counted and the run goes on with the next call.
//   crash      an unhandled rejection, or the worker died
//   hang       one call took more than 30 s
//   silent     a malformed input that did not throw
//   nan        a call that returned NaN without a status saying why
//   untyped    an error that is not a TypeError / RangeError
//   unclear    a TypeError / RangeError not of the form "<argument> must be <rule>; got <value>"
//   converged  a fit on a misbehaving custom target (or with a throwing callback) that says it
//              converged (a sampler: completed)
//   drift      a reference call whose bits changed after the bad calls before it
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { fileURLToPath } from "node:url";

const HANG_MS = 30_000;
const CLEAR = /^\S+ must be [^]+; got [^]+$/;

// Which of the bad values an argument does accept (those calls are skipped, not counted).
const int = (lo, hi) => (v) => typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
const num = (lo, hi, open = false) => (v) => typeof v === "number" && Number.isFinite(v) && (open ? v > lo && v < hi : v >= lo && v <= hi);
const is = (...choices) => (v) => choices.some((c) => Object.is(c, v));
const never = () => false;
const bool = (v) => typeof v === "boolean";
const fn = (v) => typeof v === "function";
const positive = (v) => typeof v === "number" && v > 0 && Number.isFinite(v);
const finiteVector = (v) => (Array.isArray(v) || v instanceof Float64Array || v instanceof Float32Array) && v.length > 0 && Array.from(v).every((x) => typeof x === "number" && Number.isFinite(x));
const emptyObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && Object.keys(v).length === 0;


if (isMainThread) {
  const counts = {};
  const examples = {};
  /** How the misbehaving calls that were not counted as 'converged' ended. */
  const endings = {};
  let total = 0;
  const runFrom = (start) =>
    new Promise((resolve) => {
      const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { start } });
      let current = null;
      let timer = null;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          record("hang", current);
          worker.terminate();
          resolve(current.index + 1);
        }, HANG_MS);
      };
      worker.on("message", (m) => {
        if (m.type === "start") {
          current = m;
          arm();
        } else if (m.type === "done") {
          total++;
          if (m.outcome !== "ok") record(m.outcome, m);
          if (m.ending) endings[m.ending] = (endings[m.ending] ?? 0) + 1;
        } else if (m.type === "crash") record("crash", m);
        else if (m.type === "end") {
          clearTimeout(timer);
          worker.terminate();
          resolve(-1);
        }
      });
      worker.on("error", (e) => {
        clearTimeout(timer);
        record("crash", { ...current, detail: String(e) });
        resolve(current ? current.index + 1 : -1);
      });
    });
  function record(kind, m) {
    counts[kind] = (counts[kind] ?? 0) + 1;
    (examples[kind] ??= []).push(`${m?.label ?? "?"}${m?.detail ? `: ${m.detail}` : ""}`);
  }
  let start = 0;
  while (start >= 0) start = await runFrom(start);
  console.log(`calls: ${total}`);
  for (const kind of ["crash", "hang", "silent", "nan", "untyped", "unclear", "converged", "drift"]) console.log(`${kind.padEnd(10)} ${counts[kind] ?? 0}`);
  console.log(`misbehaving calls ended: ${Object.entries(endings).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  const verbose = process.argv.includes("--verbose");
  for (const [kind, list] of Object.entries(examples)) {
    console.log(`\n${kind}:`);
    for (const line of verbose ? list : list.slice(0, 15)) console.log(`  ${line.slice(0, 300)}`);
    if (!verbose && list.length > 15) console.log(`  ... ${list.length - 15} more (--verbose)`);
  }
} else {
  const lib = await import("../dist/index.js");
  await lib.ready("wasm");
  const { cases, references } = build(lib);
  let label = "?";
  process.on("unhandledRejection", (e) => parentPort.postMessage({ type: "crash", label, detail: `unhandled rejection: ${e?.message ?? e}` }));
  const reference = await fingerprint(references);
  for (let index = workerData.start; index < cases.length; index++) {
    const c = cases[index];
    label = c.label;
    parentPort.postMessage({ type: "start", index, label });
    let outcome = await classify(c);
    let detail = outcome.detail;
    if (c.check) {
      const now = await fingerprint(references);
      if (now !== reference) [outcome, detail] = [{ kind: "drift" }, `after ${c.label}`];
    }
    parentPort.postMessage({ type: "done", index, label: c.label, outcome: outcome.kind, detail, ending: outcome.ending });
  }
  parentPort.postMessage({ type: "end" });
}

/** Bits of a few valid calls on both backends, as one string. */
async function fingerprint(references) {
  const parts = [];
  for (const r of references) {
    const v = await r();
    parts.push(Array.from(v instanceof Float64Array ? v : [v], (x) => x.toString(36)).join(","));
  }
  return parts.join("|");
}

async function classify(c) {
  let value;
  try {
    value = await c.call();
  } catch (e) {
    if (c.kind === "misbehaving") return { kind: "ok", ending: `threw ${e?.constructor?.name}` };
    if (!(e instanceof TypeError || e instanceof RangeError)) return { kind: "untyped", detail: `${e?.constructor?.name}: ${e?.message ?? e}` };
    const name = c.arg === undefined ? null : c.arg.replace(/^.*\./, "");
    if (!CLEAR.test(e.message) || (name !== null && !e.message.includes(name))) return { kind: "unclear", detail: e.message };
    return { kind: "ok" };
  }
  if (c.kind === "misbehaving") {
    const status = value?.status;
    // a sampler's 'completed' claims as much as a fit's 'converged'
    return status === "converged" || status === "completed" ? { kind: "converged", detail: `status ${status}` } : { kind: "ok", ending: status };
  }
  if (hasSilentNaN(value)) return { kind: "nan" };
  if (c.kind === "malformed") return { kind: "silent", detail: c.shown };
  return { kind: "ok" };
}

function hasSilentNaN(value) {
  if (value === null || value === undefined) return false;
  if (typeof value === "number") return Number.isNaN(value);
  if (value instanceof Float64Array) return value.some(Number.isNaN);
  if (typeof value === "function") return Number.isNaN(value(0));
  if (typeof value === "object" && value.status !== "diverged" && value.status !== "aborted")
    return ["kl", "S", "U", "V", "Q", "samples", "rank"].some((k) => k in value && hasSilentNaN(value[k]));
  return false;
}

function describe(v) {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "symbol") return "a symbol";
  if (typeof v === "function") return "a function";
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length})[${Array.from(v).slice(0, 3).join(",")}]`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Values no argument of this API accepts, whatever it is (each slot filters what it takes). */
function badValues() {
  return [
    null, NaN, Infinity, -Infinity, -1, 0, -0, 0.5, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 31, 1e-320,
    "1", "", "wasm ", true, false, 1n, Symbol("s"), {}, [], [NaN], [1, "a"], [[1, 2], [3]], () => 1,
    new Float64Array(0), Float64Array.of(NaN, 1), Float64Array.of(1, 2, 3), new Int32Array(2), new Float32Array(4),
    { aborted: "no" }, { valueOf: () => 3 }, new Date(0), [Infinity, 0], [0, 0], [1e200, 1e200], [2, 0], { bogus: 1 },
  ];
}

function build(lib) {
  const cases = [];
  const spec2 = { weights: [0.5, 0.5], means: [[-2, 0], [2, 0]], covariances: [1, [[1, 0.3], [0.3, 1]]] };
  const matrix = [[3, 1], [1, 2]];
  const backends = ["wasm", "js"];
  const g = Object.fromEntries(backends.map((b) => [b, lib.gaussianMixture({ ...spec2, backend: b })]));
  const sgd = (backend) => ({ backend, seed: 1, maxSweeps: 4, gridSize: 16 });
  const approx = {};
  const references = backends.flatMap((b) => [
    async () => (await lib.svd(matrix, { backend: b })).U,
    () => g[b].logDensityBatch(Float64Array.of(0.1, 0.2, -1, 3)),
    () => g[b].gradLogDensityBatch(Float64Array.of(0.1, 0.2, -1, 3)),
    async () => (await lib.mfvi(g[b], sgd(b))).marginals[0].mass,
    async () => (approx[b] ??= await lib.mfvi(g[b], sgd(b))).sample(5, { seed: 3 }),
  ]);

  /**
   * Each bad value in argument `arg` of call(args): `args` is the valid argument list, `path`
   * where in it the bad value goes ([position] or [position, key, key...]), `ok` what it accepts.
   */
  function slot(label, call, args, path, ok = never, extra = []) {
    for (const v of [...badValues(), ...extra]) {
      if (ok(v)) continue;
      const a = structuredCloneish(args);
      setPath(a, path, v);
      cases.push({ kind: "malformed", label: `${label} ${path.slice(1).join(".") || `arg${path[0]}`}=${describe(v)}`, arg: path.length > 1 ? path.at(-1) : undefined, shown: describe(v), call: () => call(...a) });
    }
  }
  /** Each key of the options object at `pos` (spec: [key, accepts, extra bad values]), an unknown key, and the object itself. */
  const keys = (label, call, args, pos, spec, { optional = true } = {}) => {
    for (const [key, ok, extra] of spec) slot(label, call, args, [pos, key], ok, extra);
    const a = structuredCloneish(args);
    setPath(a, [pos, "bogusKey"], 1);
    cases.push({ kind: "malformed", label: `${label} bogusKey=1`, arg: "bogusKey", shown: "1", call: () => call(...a) });
    slot(label, call, args, [pos], (v) => optional && emptyObject(v));
  };

  for (const b of backends) {
    const t = g[b];
    const withB = (o = {}) => ({ ...o, backend: b });
    cases.push({ kind: "valid", label: `check ${b}`, check: true, call: () => 0 });
    // targets
    keys(`gaussian[${b}]`, lib.gaussian, [{ mean: [0, 1], covariance: 1, backend: b }], 0, [
      ["mean", finiteVector],
      ["covariance", (v) => positive(v) || (Array.isArray(v) && v.length === 2 && v.every(positive))],
      ["backend", is("wasm", "js")],
    ], { optional: false });
    keys(`gaussianMixture[${b}]`, lib.gaussianMixture, [{ ...spec2, backend: b }], 0, [
      ["weights", never, [[0.5, 0.6], [1, 0]]],
      ["means", never],
      ["covariances", (v) => Array.isArray(v) && v.length === 2 && v.every(positive), [[1, -1]]],
      ["backend", is("wasm", "js")],
    ], { optional: false });
    keys(`customTarget[${b}]`, lib.customTarget, [{ dim: 2, logDensity: () => {}, gradLogDensity: () => {} }], 0, [
      ["dim", int(1, 1e5), [1e6]],
      ["logDensity", fn],
      ["gradLogDensity", fn],
      ["normalized", bool],
    ], { optional: false });
    const pt = [0.5, -0.5];
    const pts = Float64Array.of(0.1, 0.2, 0.3, 0.4);
    const vec2 = (v) => (Array.isArray(v) || v instanceof Float64Array || v instanceof Float32Array) && v.length === 2 && Array.from(v).every(Number.isFinite);
    slot(`logDensity[${b}]`, (x) => t.logDensity(x), [pt], [0], vec2);
    slot(`gradLogDensity[${b}]`, (x) => t.gradLogDensity(x), [pt], [0], vec2);
    slot(`gradLogDensity(out)[${b}]`, (x, o) => t.gradLogDensity(x, o), [pt, undefined], [1], (v) => v instanceof Float64Array && v.length === 2);
    for (const m of ["logDensityBatch", "gradLogDensityBatch", "responsibilities"]) {
      slot(`${m}[${b}]`, (x) => t[m](x), [pts], [0], (v) => v instanceof Float64Array && v.length % 2 === 0 && v.length > 0 && v.every(Number.isFinite));
    }
    slot(`logDensityBatch(out)[${b}]`, (x, o) => t.logDensityBatch(x, o), [pts, undefined], [1], (v) => v instanceof Float64Array && v.length === 2);
    slot(`gradLogDensityBatch(out)[${b}]`, (x, o) => t.gradLogDensityBatch(x, o), [pts, undefined], [1], (v) => v instanceof Float64Array && v.length === 4);

    // fits
    const cavi = [
      ["backend", is("wasm", "js")],
      ["seed", int(0, 2 ** 53 - 1)],
      ["gridSize", int(16, 65536)],
      ["samples", int(2, 1e6)],
      ["quadrature", is("exact", "sampled")],
      ["maxSweeps", int(1, 4)],
      ["tol", num(0, Infinity, true)],
      ["damping", (v) => typeof v === "number" && v >= 0 && v < 1],
      ["init", is("auto")],
      ["bounds", never],
      ["klSamples", int(16, 1e5)],
      ["onProgress", fn],
      ["signal", never],
    ];
    keys(`mfvi[${b}]`, lib.mfvi, [t, sgd(b)], 1, cavi);
    slot(`mfvi[${b}]`, lib.mfvi, [t, sgd(b)], [0]);
    keys(`rovi[${b}]`, lib.rovi, [t, { ...sgd(b), rotationSamples: 64, temper: false }], 1, [
      ...cavi,
      ["rotationInit", is("auto", "identity", "random", "pca")],
      ["restarts", int(1, 2)],
      ["temper", (v) => bool(v) || emptyObject(v)],
      ["rotationEvery", int(1, 1e6)],
      ["rotationSteps", int(1, 1e6)],
      ["rotationSamples", int(2, 1e5)],
      ["rotationTol", num(0, Infinity, true)],
      ["cyclesPerStage", int(1, 1e6)],
      ["procrustes", emptyObject],
    ]);
    for (const [key, ok] of [["from", num(0, 1, true)], ["stages", int(1, 1000)], ["betas", never]])
      slot(`rovi temper[${b}]`, lib.rovi, [t, { ...sgd(b), rotationSamples: 64, temper: { stages: 1 } }], [1, "temper", key], ok);
    cases.push({ kind: "malformed", label: `rovi[${b}] temper betas+from`, arg: "from", shown: "both", call: () => lib.rovi(t, { ...sgd(b), rotationSamples: 64, temper: { betas: [0.5, 1], from: 0.1 } }) });
    keys(`lmc[${b}]`, lib.lmc, [t, { step: 0.1, steps: 10, chains: 2, backend: b }], 1, [
      ["step", num(0, Infinity, true)],
      ["steps", int(1, 1e4)],
      ["chains", int(1, 1e4)],
      ["seed", int(0, 2 ** 53 - 1)],
      ["init", (v) => vec2(v) || (Array.isArray(v) && v.length === 4 && v.every(Number.isFinite))],
      ["adjust", bool],
      ["burnIn", int(0, 9)],
      ["thin", int(1, 10)],
      ["backend", is("wasm", "js")],
      ["onProgress", fn],
      ["signal", never],
    ], { optional: false });
    keys(`gaussianMfvi[${b}]`, lib.gaussianMfvi, [t, { iterations: 20, backend: b }], 1, [
      ["backend", is("wasm", "js")],
      ["seed", int(0, 2 ** 53 - 1)],
      ["iterations", int(1, 1e4)],
      ["samplesPerStep", int(1, 1e4)],
      ["learningRate", num(0, Infinity, true)],
      ["tol", num(0, Infinity, true)],
      ["init", never],
      ["gridSize", int(16, 65536)],
      ["onProgress", fn],
      ["signal", never],
    ]);

    // linear algebra
    const mat = (v) => (Array.isArray(v) && v.length > 0 && Array.isArray(v[0]) && v.every((r) => Array.isArray(r) && r.length === v[0].length && r.length > 0 && r.every(Number.isFinite)));
    keys(`svd[${b}]`, lib.svd, [matrix, withB()], 1, [["backend", is("wasm", "js")], ["rows", never], ["cols", never]]);
    slot(`svd[${b}]`, lib.svd, [matrix, withB()], [0], mat);
    keys(`nearestOrthogonal[${b}]`, lib.nearestOrthogonal, [matrix, withB()], 1, [["backend", is("wasm", "js")]]);
    slot(`nearestOrthogonal[${b}]`, lib.nearestOrthogonal, [matrix, withB()], [0], (v) => mat(v) && v.length === v[0].length);
    const draws = Float64Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7) * (i % 2 ? 1 : 3));
    slot(`principalAxes[${b}]`, lib.principalAxes, [draws, 2, withB()], [0], (v) => v instanceof Float64Array && v.length >= 4 && v.length % 2 === 0 && v.every(Number.isFinite));
    slot(`principalAxes[${b}]`, lib.principalAxes, [draws, 2, withB()], [1], (v) => [1, 2, 4, 5, 10, 20].includes(v));
    keys(`principalAxes[${b}]`, lib.principalAxes, [draws, 2, withB()], 2, [["backend", is("wasm", "js")]]);

    // diagnostics
    const withQ = (f) => async (...a) => f(a[0] ?? (approx[b] ??= await lib.mfvi(t, sgd(b))), ...a.slice(1));
    slot(`componentMass[${b}]`, lib.componentMass, [draws, t], [0], (v) => v instanceof Float64Array && v.length > 0 && v.length % 2 === 0 && v.every(Number.isFinite));
    slot(`componentMass[${b}]`, lib.componentMass, [draws, t], [1]);
    keys(`componentMass[${b}]`, withQ(lib.componentMass), [undefined, t, { samples: 100 }], 2, [["samples", int(1, 1e5)], ["seed", int(0, 2 ** 53 - 1)]]);
    slot(`marginalW1[${b}]`, lib.marginalW1, [draws, t, [1, 0]], [2], (v) => (vec2(v) && Array.from(v).some((x) => x !== 0)));
    slot(`marginalW1[${b}]`, lib.marginalW1, [draws, t, [1, 0]], [0], (v) => v instanceof Float64Array && v.length > 0 && v.length % 2 === 0 && v.every(Number.isFinite));
    keys(`marginalW1 axis[${b}]`, withQ(lib.marginalW1), [undefined, t, [1, 0], { samples: 100 }], 3, [["samples", int(1, 1e5)], ["seed", int(0, 2 ** 53 - 1)]]);
    keys(`marginalW1 oblique[${b}]`, withQ(lib.marginalW1), [undefined, t, [1, 1], { samples: 100 }], 3, [["samples", int(1, 1e5)], ["seed", int(0, 2 ** 53 - 1)]]);
    slot(`marginalCdf[${b}]`, lib.marginalCdf, [t, [1, 0]], [1], (v) => vec2(v) && Array.from(v).some((x) => x !== 0));
    slot(`marginalCdf[${b}]`, lib.marginalCdf, [t, [1, 0]], [0]);
    slot(`marginalCdf(t)[${b}]`, (x) => lib.marginalCdf(t, [1, 0])(x), [0], [0], (v) => typeof v === "number" && !Number.isNaN(v));
    keys(`labelSwitchingPosterior`, lib.labelSwitchingPosterior, [{}], 0, [["data", finiteVector], ["sigma", num(0, Infinity, true)], ["priorMean", num(-Infinity, Infinity)], ["priorSd", num(0, Infinity, true)]]);
    // approximations
    const sample = withQ((a, n, o) => a.sample(n, o));
    slot(`sample[${b}]`, sample, [undefined, 3, {}], [1], int(1, 1e8));
    keys(`sample[${b}]`, sample, [undefined, 3, {}], 2, [["seed", int(0, 2 ** 53 - 1)], ["stratified", bool]]);
    slot(`approx.logDensity[${b}]`, withQ((a, x) => a.logDensity(x)), [undefined, pts], [1], (v) => v instanceof Float64Array && v.length % 2 === 0 && v.length > 0 && v.every(Number.isFinite));
    slot(`ready`, lib.ready, ["js"], [0], (v) => v === "wasm" || v === "js");
    cases.push({ kind: "valid", label: `check ${b} end`, check: true, call: () => 0 });

    // misbehaving custom targets and callbacks: fits must not say 'converged'
    const writes = {
      nan: (x, out) => out.fill(NaN),
      inf: (x, out) => out.fill(Infinity),
      huge: (x, out) => out.fill(1e300),
      nothing: () => {},
      async: async (x, out) => { await null; out.fill(0); },
      throws: () => { throw new Error("user code"); },
    };
    const logq = (x, out) => { for (let j = 0; j < out.length; j++) out[j] = -0.5 * (x[2 * j] ** 2 + x[2 * j + 1] ** 2); };
    const gradq = (x, gr) => { for (let i = 0; i < gr.length; i++) gr[i] = -x[i]; };
    for (const [name, bad] of Object.entries(writes)) {
      const targets = {
        [`logDensity ${name}`]: lib.customTarget({ dim: 2, logDensity: bad, gradLogDensity: gradq }),
        [`gradient ${name}`]: lib.customTarget({ dim: 2, logDensity: logq, gradLogDensity: bad }),
      };
      for (const [what, target] of Object.entries(targets)) {
        const fits = {
          mfvi: () => lib.mfvi(target, { ...sgd(b), maxSweeps: 30 }),
          rovi: () => lib.rovi(target, { ...sgd(b), maxSweeps: 30, rotationSamples: 64, temper: false }),
          lmc: () => lib.lmc(target, { step: 0.1, steps: 20, chains: 2, backend: b }),
          gaussianMfvi: () => lib.gaussianMfvi(target, { iterations: 300, backend: b }),
        };
        if (what.startsWith("gradient")) delete fits.mfvi; // mfvi never calls the gradient
        // ULA moves by the gradient alone: a finite log pi of 1e300 with the gradient of N(0, I) is N(0, I) to it
        if (what === "logDensity huge") delete fits.lmc;
        for (const [fit, call] of Object.entries(fits)) cases.push({ kind: "misbehaving", label: `${fit}[${b}] ${what}`, call });
      }
    }
    const good = lib.customTarget({ dim: 2, logDensity: logq, gradLogDensity: gradq });
    const throwing = () => { throw new Error("user callback"); };
    const rejecting = async () => { throw new Error("user callback"); };
    for (const [name, onProgress] of [["throws", throwing], ["rejects", rejecting]]) {
      cases.push({ kind: "misbehaving", label: `mfvi[${b}] onProgress ${name}`, call: () => lib.mfvi(good, { ...sgd(b), maxSweeps: 30, onProgress }) });
      cases.push({ kind: "misbehaving", label: `rovi[${b}] onProgress ${name}`, call: () => lib.rovi(good, { ...sgd(b), maxSweeps: 30, rotationSamples: 64, temper: false, onProgress }) });
      cases.push({ kind: "misbehaving", label: `lmc[${b}] onProgress ${name}`, call: () => lib.lmc(good, { step: 0.1, steps: 20, chains: 2, backend: b, onProgress }) });
      cases.push({ kind: "misbehaving", label: `gaussianMfvi[${b}] onProgress ${name}`, call: () => lib.gaussianMfvi(good, { iterations: 300, backend: b, onProgress }) });
    }
    cases.push({ kind: "valid", label: `check ${b} misbehaving`, check: true, call: () => 0 });

    // work beyond the documented caps: a RangeError up front, never a hang or an untyped failure
    const wide = (dim) => lib.customTarget({ dim, logDensity: (x, out) => out.fill(0), gradLogDensity: (x, gr) => gr.fill(0) });
    const overCaps = {
      "mfvi dim 20000": () => lib.mfvi(wide(20_000), { backend: b, maxSweeps: 1 }),
      "mfvi dim 11000": () => lib.mfvi(wide(11_000), { backend: b, maxSweeps: 1 }),
      "rovi dim 2000": () => lib.rovi(wide(2000), { backend: b, maxSweeps: 1, temper: false }),
      "gaussianMfvi dim 20000": () => lib.gaussianMfvi(wide(20_000), { backend: b, iterations: 1 }),
      "mfvi 3-D exact gridSize 2048": () => lib.mfvi(t3, { backend: b, quadrature: "exact", gridSize: 2048, maxSweeps: 1 }),
      "mfvi 3-D exact gridSize 65536": () => lib.mfvi(t3, { backend: b, quadrature: "exact", gridSize: 65536, maxSweeps: 1 }),
      "mfvi 2-D exact gridSize 65536": () => lib.mfvi(t, { backend: b, gridSize: 65536, maxSweeps: 1 }),
    };
    const t3 = lib.gaussian({ mean: [0, 0, 0], covariance: 1, backend: b });
    for (const [what, call] of Object.entries(overCaps)) cases.push({ kind: "malformed", label: `cap[${b}] ${what}`, shown: what, call });
  }
  return { cases, references };
}

/** A copy of an argument list deep enough for setPath (plain objects copied; arrays, typed arrays and targets shared). */
function structuredCloneish(args) {
  const copy = (v) => (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) : v);
  return args.map(copy);
}

function setPath(args, path, value) {
  if (path.length === 1) {
    args[path[0]] = value;
    return;
  }
  let o = (args[path[0]] ??= {});
  for (const k of path.slice(1, -1)) o = o[k] ??= {};
  o[path.at(-1)] = value;
}
