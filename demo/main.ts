// The explorer page: controls <-> state <-> URL, fits on the worker pool, plots on canvases.
// The worker posts the fit's state after every step: readouts, contours and marginals follow
// it live (redrawn once per frame at most); masses and the result JSON come at the end.
import { gaussianMixture, ready, type Approximation, type GaussianMixture, type LmcResult } from "../dist/index.js";
import { WorkerPool, type WorkerTarget } from "../dist/worker/index.js";
import { DEFAULTS, METHODS, customModule, fitOptions, mixtureSpec, parseState, stateQuery, summarize, type Method, type State } from "./model.js";

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
const form = $<HTMLFormElement>("#controls");
const body = document.body;
const pool = new WorkerPool();
let state: State = parseState(location.search);
let running: AbortController | null = null;

// ---- state <-> controls <-> URL ----
function showState(): void {
  for (const [key, value] of Object.entries(state)) {
    const input = form.elements.namedItem(key) as HTMLInputElement | null;
    if (input && input.value !== String(value)) input.value = String(value);
    const out = form.querySelector(`output[data-for="${key}"]`);
    if (out) out.textContent = String(value) + (key === "angle" ? "°" : "");
  }
  form.classList.toggle("custom", state.target === "custom");
  body.classList.toggle("custom", state.target === "custom");
  // an unnormalised density's fit reports KL - log Z (log Z unknown)
  setText("kl-label", state.target === "custom" ? "KL − log Z" : "KL");
}

function readControls(): void {
  const f = new FormData(form);
  const q = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS)) q.set(key, String(f.get(key) ?? ""));
  state = parseState(q.toString());
  const query = stateQuery(state);
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

form.addEventListener("input", (e) => {
  // how long the event waited for this thread: stays small while a fit runs in the worker
  body.dataset.inputLatency = (performance.now() - e.timeStamp).toFixed(1);
  readControls();
  showState();
  drawTarget();
});

// ---- the target on the page's side (for plots) ----
interface PageTarget {
  logDensity(points: Float64Array): Float64Array;
  mixture: GaussianMixture | null;
  extent: number;
}

function pageTarget(s: State): PageTarget {
  if (s.target === "mixture") {
    const mixture = gaussianMixture(mixtureSpec(s));
    return { logDensity: (p) => mixture.logDensityBatch(p), mixture, extent: Math.max(5, s.m * Math.SQRT2 + 4) };
  }
  const f = new Function("x", "y", s.density) as (x: number, y: number) => number;
  return { logDensity: (p) => Float64Array.from({ length: p.length / 2 }, (_, j) => f(p[2 * j], p[2 * j + 1])), mixture: null, extent: 5 };
}

let moduleUrl: string | null = null;
function workerTarget(s: State): WorkerTarget {
  if (s.target === "mixture") return { gaussianMixture: mixtureSpec(s) };
  if (moduleUrl) URL.revokeObjectURL(moduleUrl);
  moduleUrl = URL.createObjectURL(new Blob([customModule(s.density)], { type: "text/javascript" }));
  return { module: moduleUrl, export: "target" };
}

// ---- plots ----
const N = 150; // evaluation grid of the plane plot
const plane = $<HTMLCanvasElement>("#plane");
const COLORS = { target: "#b8c0c9", fit: "#e8590c", axes: "#1971c2", exact: "#212529", heat: [59, 130, 246] };

function gridPoints(extent: number): Float64Array {
  const p = new Float64Array(2 * N * N);
  for (let r = 0; r < N; r++)
    for (let c = 0; c < N; c++) {
      p[2 * (r * N + c)] = -extent + (2 * extent * (c + 0.5)) / N;
      p[2 * (r * N + c) + 1] = extent - (2 * extent * (r + 0.5)) / N;
    }
  return p;
}

/** Contours of v (N x N, row 0 at the top) at max(v) - k^2 / 2, k = 1..4: marching squares. */
function contours(ctx: CanvasRenderingContext2D, v: Float64Array, color: string, width: number): void {
  const size = ctx.canvas.width;
  const top = v.reduce((a, b) => (b > a ? b : a), -Infinity);
  if (!Number.isFinite(top)) return;
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  const px = (c: number) => ((c + 0.5) * size) / N;
  for (let k = 1; k <= 4; k++) {
    const level = top - (k * k) / 2;
    ctx.beginPath();
    for (let r = 0; r + 1 < N; r++)
      for (let c = 0; c + 1 < N; c++) {
        // corners clockwise from the top left, and the crossings on the edges between them
        const corners = [[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]];
        const hits: [number, number][] = [];
        for (let e = 0; e < 4; e++) {
          const [r0, c0] = corners[e];
          const [r1, c1] = corners[(e + 1) % 4];
          const a = v[r0 * N + c0] - level;
          const b = v[r1 * N + c1] - level;
          if (a >= 0 !== b >= 0 && Number.isFinite(a - b)) {
            const t = a / (a - b);
            hits.push([px(c0 + t * (c1 - c0)), px(r0 + t * (r1 - r0))]);
          }
        }
        for (let h = 0; h + 1 < hits.length; h += 2) {
          ctx.moveTo(...hits[h]);
          ctx.lineTo(...hits[h + 1]);
        }
      }
    ctx.stroke();
  }
}

function drawTarget(): PageTarget | null {
  const ctx = plane.getContext("2d")!;
  ctx.clearRect(0, 0, plane.width, plane.height);
  let t: PageTarget;
  let v: Float64Array;
  try {
    t = pageTarget(state);
    v = t.logDensity(gridPoints(t.extent));
  } catch (e) {
    showError(e);
    return null;
  }
  const top = v.reduce((a, b) => (b > a ? b : a), -Infinity);
  const image = new ImageData(N, N);
  for (let i = 0; i < N * N; i++) {
    const p = Number.isFinite(v[i] - top) ? Math.exp(v[i] - top) : 0;
    image.data.set([...COLORS.heat, Math.round(90 * p)], 4 * i);
  }
  const off = new OffscreenCanvas(N, N);
  off.getContext("2d")!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, plane.width, plane.height);
  contours(ctx, v, COLORS.target, 3);
  drawFrame(ctx, t.extent);
  return t;
}

function drawFrame(ctx: CanvasRenderingContext2D, extent: number): void {
  const s = ctx.canvas.width;
  ctx.strokeStyle = "#ced4da";
  ctx.lineWidth = 1;
  ctx.setLineDash([2, 4]);
  ctx.beginPath();
  ctx.moveTo(s / 2, 0);
  ctx.lineTo(s / 2, s);
  ctx.moveTo(0, s / 2);
  ctx.lineTo(s, s / 2);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = "#868e96";
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillText(`x, y in [-${extent.toFixed(1)}, ${extent.toFixed(1)}]`, 8, s - 8);
}

/** Fit axes: the columns of the fit's rotation (the coordinate axes but for RoVI). */
function fitAxes(result: Approximation | LmcResult): Float64Array {
  return "rotation" in result ? result.rotation : Float64Array.of(1, 0, 0, 1);
}

function drawFit(t: PageTarget, result: Approximation | LmcResult): void {
  const ctx = plane.getContext("2d")!;
  const s = plane.width;
  const toPx = (x: number, y: number): [number, number] => [((x + t.extent) / (2 * t.extent)) * s, ((t.extent - y) / (2 * t.extent)) * s];
  if ("samples" in result) {
    ctx.fillStyle = "rgba(232, 89, 12, 0.45)";
    const x = result.samples;
    for (let j = 0; j < Math.min(result.chains, 2000); j++) {
      const [a, b] = toPx(x[2 * j], x[2 * j + 1]);
      ctx.fillRect(a - 1, b - 1, 2.5, 2.5);
    }
  } else {
    contours(ctx, result.logDensity(gridPoints(t.extent)), COLORS.fit, 1.25);
    if (result.method === "rovi") {
      const [mx, my] = result.mean;
      const o = result.rotation;
      ctx.strokeStyle = COLORS.axes;
      ctx.lineWidth = 2;
      ctx.setLineDash([8, 5]);
      ctx.beginPath();
      for (let i = 0; i < 2; i++) {
        const L = 3 * t.extent;
        ctx.moveTo(...toPx(mx - L * o[i], my - L * o[2 + i]));
        ctx.lineTo(...toPx(mx + L * o[i], my + L * o[2 + i]));
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
}

/** The exact marginal density of a mixture along unit u. */
function exactMarginal(mixture: GaussianMixture, u: [number, number]): (t: number) => number {
  const parts = mixture.components.map((c) => {
    const mu = u[0] * c.mean[0] + u[1] * c.mean[1];
    const S = c.covariance;
    const v = u[0] * u[0] * S[0] + 2 * u[0] * u[1] * S[1] + u[1] * u[1] * S[3];
    return { w: c.weight, mu, sd: Math.sqrt(v) };
  });
  return (t) => parts.reduce((a, p) => a + (p.w * Math.exp(-0.5 * ((t - p.mu) / p.sd) ** 2)) / (p.sd * Math.sqrt(2 * Math.PI)), 0);
}

function drawMarginal(i: number, t: PageTarget, result: Approximation | LmcResult): void {
  const canvas = $<HTMLCanvasElement>(`#marginal${i}`);
  const ctx = canvas.getContext("2d")!;
  const { width: W, height: H } = canvas;
  ctx.clearRect(0, 0, W, H);
  const o = fitAxes(result);
  const u: [number, number] = [o[i], o[2 + i]];
  const lo = -t.extent * 1.2;
  const hi = t.extent * 1.2;
  // the fit's density along u: its factor (a histogram), or a histogram of LMC's draws
  let xs: Float64Array;
  let ys: Float64Array;
  if ("samples" in result) {
    const bins = 60;
    ys = new Float64Array(bins);
    const width = (hi - lo) / bins;
    for (let j = 0; j < result.chains; j++) {
      const b = Math.floor((u[0] * result.samples[2 * j] + u[1] * result.samples[2 * j + 1] - lo) / width);
      if (b >= 0 && b < bins) ys[b] += 1 / (result.chains * width);
    }
    xs = Float64Array.from({ length: bins }, (_, b) => lo + (b + 0.5) * width);
  } else {
    xs = result.marginals[i].x;
    ys = result.marginals[i].density;
  }
  const exact = t.mixture ? exactMarginal(t.mixture, u) : null;
  const curve = exact ? Float64Array.from({ length: 200 }, (_, k) => exact(lo + ((hi - lo) * k) / 199)) : new Float64Array(0);
  const top = Math.max(...ys, ...curve) * 1.1 || 1;
  const X = (x: number) => ((x - lo) / (hi - lo)) * W;
  const Y = (y: number) => H - 14 - (y / top) * (H - 20);
  ctx.fillStyle = "rgba(232, 89, 12, 0.35)";
  ctx.strokeStyle = COLORS.fit;
  ctx.beginPath();
  ctx.moveTo(X(xs[0]), Y(0));
  xs.forEach((x, k) => ctx.lineTo(X(x), Y(ys[k])));
  ctx.lineTo(X(xs[xs.length - 1]), Y(0));
  ctx.fill();
  ctx.stroke();
  if (exact) {
    ctx.strokeStyle = COLORS.exact;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    curve.forEach((y, k) => (k === 0 ? ctx.moveTo : ctx.lineTo).call(ctx, X(lo + ((hi - lo) * k) / 199), Y(y)));
    ctx.stroke();
  }
  ctx.strokeStyle = "#adb5bd";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, Y(0));
  ctx.lineTo(W, Y(0));
  ctx.stroke();
  ctx.fillStyle = "#868e96";
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillText(`u = (${u[0].toFixed(2)}, ${u[1].toFixed(2)})`, 6, H - 2);
}

function showFit(t: PageTarget, fit: Approximation | LmcResult): void {
  drawTarget();
  drawFit(t, fit);
  [0, 1].forEach((i) => drawMarginal(i, t, fit));
}

// ---- readouts ----
const fmt = (x: number | null | undefined, digits = 4) => (x === null || x === undefined ? "-" : Number.isFinite(x) ? x.toPrecision(digits) : String(x));
const setText = (id: string, text: string) => ($(`#${id}`).textContent = text);

function showError(e: unknown): void {
  setText("status", `error: ${e instanceof Error ? e.message : String(e)}`);
  $("#status").classList.add("error");
}

type Progress = (info: { sweep?: number; kl?: number; step?: number; steps?: number }, current?: Approximation | LmcResult) => void;

function fitFor(method: Method, s: State, signal: AbortSignal, onProgress?: Progress) {
  const target = workerTarget(s);
  const options = { ...fitOptions(s), signal, onProgress, snapshots: onProgress !== undefined } as never;
  return method === "lmc" ? pool.lmc(target, options) : pool[method](target, options);
}

async function run(): Promise<void> {
  running?.abort();
  const controller = (running = new AbortController());
  const s = state;
  body.dataset.state = "running";
  $("#status").classList.remove("error");
  setText("status", `running ${METHODS[s.method]} in a worker…`);
  for (const id of ["sweeps", "kl", "masses"]) setText(id, "-");
  const t = drawTarget();
  if (!t) return void (body.dataset.state = "error");
  const t0 = performance.now();
  let latest: Approximation | LmcResult | undefined;
  const tick = () => {
    if (running !== controller) return;
    setText("time", `${((performance.now() - t0) / 1000).toFixed(2)} s`);
    if (latest) {
      showFit(t, latest);
      latest = undefined;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  try {
    const result = await fitFor(s.method, s, controller.signal, (info, current) => {
      if (info.sweep !== undefined) setText("sweeps", String(info.sweep));
      if (info.kl !== undefined) setText("kl", fmt(info.kl));
      if (info.step !== undefined) setText("sweeps", `${info.step} / ${info.steps} steps`);
      latest = current;
    });
    if (running !== controller) return;
    running = null;
    const ms = performance.now() - t0;
    const summary = summarize(s, result);
    showFit(t, result);
    setText("status", result.status + ("message" in result && result.message ? ` (${result.message})` : ""));
    setText("sweeps", summary.iterations === null ? `${(result as LmcResult).stepsDone} steps x ${(result as LmcResult).chains} chains` : String(summary.iterations));
    setText("kl", fmt(summary.kl));
    setText("masses", summary.masses ? summary.masses.map((m) => m.toFixed(3)).join(" / ") : "- (custom target)");
    setText("time", `${(ms / 1000).toFixed(2)} s`);
    $("#result").textContent = JSON.stringify(summary, null, 1);
    body.dataset.state = "done";
  } catch (e) {
    if (running !== controller) return;
    running = null;
    showError(e);
    body.dataset.state = "error";
  }
}

/** The explorer's comparison: the four methods at once, spread over the pool's workers. */
async function compare(): Promise<void> {
  const s = state;
  const section = $("#comparison");
  section.hidden = false;
  const rows = section.querySelector("tbody")!;
  rows.replaceChildren();
  const signal = new AbortController().signal;
  await Promise.all(
    (Object.keys(METHODS) as Method[]).map(async (method) => {
      const row = rows.insertRow();
      row.insertCell().textContent = METHODS[method];
      const cells = [row.insertCell(), row.insertCell(), row.insertCell(), row.insertCell()];
      cells[2].textContent = "running…";
      const t0 = performance.now();
      try {
        const summary = summarize({ ...s, method }, await fitFor(method, { ...s, method }, signal));
        cells[0].textContent = summary.masses ? summary.masses.map((m) => m.toFixed(3)).join(" / ") : "-";
        cells[1].textContent = fmt(summary.kl);
        cells[2].textContent = summary.status;
      } catch (e) {
        cells[2].textContent = `error: ${(e as Error).message}`;
      }
      cells[3].textContent = `${((performance.now() - t0) / 1000).toFixed(2)} s`;
    }),
  );
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  void run();
});
$("#stop").addEventListener("click", () => running?.abort());
$("#compare").addEventListener("click", () => void compare());

showState();
drawTarget();
await ready(state.backend).catch(() => {});
if (new URLSearchParams(location.search).get("autorun") === "1") void run();
