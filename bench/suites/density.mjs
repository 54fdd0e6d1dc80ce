// Batched mixture log density, d = 10, K = 8 full covariances, 20,000 points, kernel against
// kernel on the same descriptor and points: WASM with four points per pass (work of
// mixtureDensityWork entries, as the facade passes), WASM one point at a time (K + d entries),
// the JS backend, and a C reference of the same per-point algorithm (bench/c/density.c,
// gcc -O3 -march=native) in a child process that times itself. Plus the gradient: WASM with
// GRAD_BLOCK points per pass (mixtureGradWork entries), WASM one point at a time, and JS.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { getBackend } from "../../dist/backend.js";
import { ready } from "../../dist/index.js";
import { interleave, lcg, ratio, showRatio } from "../harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const d = 10;
const K = 8;
const n = 20_000;
const C = "C -O3 -march=native";

/** The set-up descriptor of the benchmark mixture (assembly/descriptor.ts layout) on a backend. */
function descriptor(backend) {
  const k = backend.kernels;
  const rand = lcg(7);
  const t = backend.f64(k.mixtureLength(1, d, K));
  const v = t.view;
  v.set([1, d, K]);
  for (let c = 0; c < K; c++) v[8 + c] = Math.log(1 / K);
  for (let c = 0; c < K * d; c++) v[8 + K + c] = 3 * rand();
  for (let c = 0; c < K; c++) {
    const a = Array.from({ length: d }, () => Array.from({ length: d }, rand));
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) v[8 + K + K * d + c * d * d + i * d + j] = a[i].reduce((s, x, p) => s + x * a[j][p], 0) / d + (i === j ? 0.5 : 0);
  }
  if (k.mixtureSetup(t.handle) !== -1) throw new Error("benchmark covariance not positive definite");
  return t;
}

/** The C reference as a contender, or { skipped } when gcc is missing or fails. */
function cReference(t, points) {
  const exe = join(here, "..", "c", "build", "density");
  try {
    mkdirSync(dirname(exe), { recursive: true });
    execFileSync("gcc", ["-O3", "-march=native", "-o", exe, join(here, "..", "c", "density.c"), "-lm"], { stdio: "pipe" });
  } catch (e) {
    return { skipped: `C reference skipped: gcc -O3 -march=native is missing or failed (${String(e.message).split("\n")[0]}).` };
  }
  const file = join(mkdtempSync(join(tmpdir(), "rovi-bench-")), "density.bin");
  writeFileSync(file, Buffer.from(Float64Array.from([t.length, ...t, n, ...points]).buffer));
  const child = spawn(exe, [file], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let lastSum = NaN;
  return {
    contender: {
      async measure(reps) {
        child.stdin.write(`${reps}\n`);
        const { value } = await lines.next();
        const [ns, sum] = value.split(" ").map(Number);
        lastSum = sum;
        return ns / 1e6;
      },
    },
    sum: () => lastSum,
    close: () => child.stdin.end(),
  };
}

export default async function () {
  await ready("wasm");
  const [wasm, js] = await Promise.all([getBackend("wasm"), getBackend("js")]);
  const rand = lcg(8);
  const xs = Float64Array.from({ length: n * d }, () => 4 * rand());
  const setup = (backend, work, gradWork) => {
    const t = descriptor(backend);
    const p = backend.f64(n * d);
    p.view.set(xs);
    const out = backend.f64(n);
    const w = backend.f64(work);
    const gw = backend.f64(gradWork);
    const lp = backend.f64(n);
    const grad = backend.f64(n * d);
    return {
      t,
      out,
      density: () => backend.kernels.mixtureLogDensity(t.handle, p.handle, n, out.handle, w.handle),
      grad: () => backend.kernels.mixtureGradLogDensity(t.handle, p.handle, n, lp.handle, grad.handle, gw.handle),
    };
  };
  const blockWork = wasm.kernels.mixtureDensityWork(d, K);
  const gradBlock = wasm.kernels.mixtureGradWork(d, K);
  const wb = setup(wasm, blockWork, gradBlock);
  const wp = setup(wasm, K + d, K + K * d);
  const jb = setup(js, blockWork, gradBlock);
  const c = cReference(Array.from(wb.t.view), xs);
  const contenders = { "wasm blocked": wb.density, "wasm per point": wp.density, js: jb.density };
  if (c.contender) contenders[C] = c.contender;
  const run = await interleave(contenders, { rounds: 11, minMs: 60 });
  wb.density();
  jb.density();
  const same = wb.out.view.every((x, j) => Object.is(x, jb.out.view[j]));
  const sum = wb.out.view.reduce((a, b) => a + b, 0);
  const notes = [`WASM and JS outputs bit-identical: ${same}.`];
  let cRatio = null;
  if (c.contender) {
    c.close();
    cRatio = ratio(run, "wasm blocked", C);
    notes.push(`C's sum of the ${n} log densities differs from WASM's by ${(Math.abs(c.sum() - sum) / Math.abs(sum)).toExponential(1)} relative (libm's exp/log1p, not fdlibm's).`);
  } else notes.push(c.skipped);
  const gradRun = await interleave({ "grad wasm": wb.grad, "grad wasm per point": wp.grad, "grad js": jb.grad }, { rounds: 9, minMs: 60 });
  const jsRatio = ratio(run, "js", "wasm blocked");
  const rows = [
    ["log density, WASM, 4 points per pass (the facade's path)", run.ms["wasm blocked"], ""],
    ["log density, WASM, one point at a time", run.ms["wasm per point"], `${showRatio(ratio(run, "wasm per point", "wasm blocked"))} of blocked`],
    ["log density, JS backend", run.ms.js, `${showRatio(jsRatio)} of WASM blocked`],
    ...(c.contender ? [[`log density, ${C}, per point`, run.ms[C], `WASM blocked takes ${showRatio(cRatio)} of C's time`]] : []),
    [`gradient, WASM, ${js.kernels.GRAD_BLOCK} points per pass (the facade's path)`, gradRun.ms["grad wasm"], ""],
    ["gradient, WASM, one point at a time", gradRun.ms["grad wasm per point"], `${showRatio(ratio(gradRun, "grad wasm per point", "grad wasm"))} of blocked`],
    ["gradient, JS backend", gradRun.ms["grad js"], `${showRatio(ratio(gradRun, "grad js", "grad wasm"))} of WASM blocked`],
  ];
  return {
    title: `Mixture density, d = ${d}, K = ${K} full covariances, n = ${n} points`,
    columns: ["contender", "CPU ms", "ratio (median, min-max over rounds)"],
    rows,
    notes,
    goals: [
      { goal: "mixture density: WASM within 1.2x of the per-point C reference", value: cRatio ? showRatio(cRatio) : "skipped", met: cRatio ? cRatio.median <= 1.2 : null },
      { goal: "mixture density: WASM >= 4x the JS path", value: showRatio(jsRatio), met: jsRatio.median >= 4 },
    ],
  };
}
