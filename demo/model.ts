// The explorer's model, free of the DOM: its state (all of it in the URL), the target and fit
// options a state stands for, and the summary of a result. The end-to-end test runs the same
// functions in Node to check the page's numbers bit for bit.
import { componentMass, gaussianMixture, type Approximation, type GaussianMixtureSpec, type LmcResult } from "../dist/index.js";

export type Method = "mfvi" | "rovi" | "gaussianMfvi" | "lmc";
export type Shape = "round" | "along" | "across";

export interface State {
  method: Method;
  /** "mixture": the two-component mixture below; "custom": the log density `density`. */
  target: "mixture" | "custom";
  /** The means are -+m sqrt(2) u, u the unit vector at `angle`: -+(m, m) at 45 degrees. */
  m: number;
  /** Weight of the first component. */
  w: number;
  /** Angle of the line joining the means, in degrees. */
  angle: number;
  /** Both covariances: the identity, or variances 2 and 1/2 along / across that line. */
  shape: Shape;
  seed: number;
  backend: "wasm" | "js";
  grid: number;
  /** The body of a JavaScript function of (x, y) returning log pi(x, y) up to a constant. */
  density: string;
}

export const METHODS: Record<Method, string> = { mfvi: "MFVI", rovi: "RoVI", gaussianMfvi: "Gaussian MFVI", lmc: "LMC" };
export const DEFAULTS: State = {
  method: "rovi",
  target: "mixture",
  m: 3,
  w: 0.5,
  angle: 45,
  shape: "round",
  seed: 0,
  backend: "wasm",
  grid: 128,
  density: "const r = Math.hypot(x, y);\nreturn -((r - 2) ** 2) / 0.18 - y / 4;",
};

const choice = <T extends string>(v: string | null, options: readonly T[], fallback: T): T => (options.includes(v as T) ? (v as T) : fallback);
const number = (v: string | null, lo: number, hi: number, fallback: number): number => {
  const x = v === null || v === "" ? NaN : Number(v);
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : fallback;
};

/** The state a query string describes (anything missing or malformed takes its default). */
export function parseState(query: string): State {
  const q = new URLSearchParams(query);
  const d = DEFAULTS;
  return {
    method: choice(q.get("method"), Object.keys(METHODS) as Method[], d.method),
    target: choice(q.get("target"), ["mixture", "custom"] as const, d.target),
    m: number(q.get("m"), 0, 10, d.m),
    w: number(q.get("w"), 0.05, 0.95, d.w),
    angle: number(q.get("angle"), -180, 180, d.angle),
    shape: choice(q.get("shape"), ["round", "along", "across"] as const, d.shape),
    seed: Math.round(number(q.get("seed"), 0, 2 ** 31 - 1, d.seed)),
    backend: choice(q.get("backend"), ["wasm", "js"] as const, d.backend),
    grid: Math.round(number(q.get("grid"), 16, 4096, d.grid)),
    density: q.get("density") ?? d.density,
  };
}

/** The query string of a state (defaults left out, so links stay short). */
export function stateQuery(s: State): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) if (v !== DEFAULTS[k as keyof State]) q.set(k, String(v));
  return q.toString();
}

/** The mixture w N(-m sqrt(2) u, S) + (1 - w) N(m sqrt(2) u, S), u at `angle`. */
export function mixtureSpec(s: State): GaussianMixtureSpec {
  const a = (s.angle * Math.PI) / 180;
  const [c, n] = [Math.cos(a), Math.sin(a)];
  const [along, across] = s.shape === "along" ? [2, 0.5] : s.shape === "across" ? [0.5, 2] : [1, 1];
  const off = (along - across) * c * n;
  const cov = [[along * c * c + across * n * n, off], [off, along * n * n + across * c * c]];
  const h = s.m * Math.SQRT2;
  return { weights: [s.w, 1 - s.w], means: [[-h * c, -h * n], [h * c, h * n]], covariances: [cov, cov] };
}

/** The options of the state's fit (the same in the page's worker and in a test's Node). */
export function fitOptions(s: State): Record<string, unknown> {
  const base = { backend: s.backend, seed: s.seed };
  if (s.method === "lmc") return { ...base, chains: 2000, steps: 400, step: 0.05 };
  return { ...base, gridSize: s.grid };
}

/** An ES module (source text) exporting `target`: the user's log density, its gradient by central differences. */
export function customModule(density: string): string {
  return `const f = (x, y) => { ${density}\n};
const h = (v) => 1e-5 * (1 + Math.abs(v));
export const target = {
  dim: 2,
  logDensity(p, out) { for (let j = 0; j < out.length; j++) out[j] = f(p[2 * j], p[2 * j + 1]); },
  gradLogDensity(p, g) {
    for (let j = 0; j < p.length / 2; j++) {
      const x = p[2 * j], y = p[2 * j + 1], hx = h(x), hy = h(y);
      g[2 * j] = (f(x + hx, y) - f(x - hx, y)) / (2 * hx);
      g[2 * j + 1] = (f(x, y + hy) - f(x, y - hy)) / (2 * hy);
    }
  },
};
`;
}

export interface Summary {
  method: Method;
  /** Mass of q on each mixture component (null for a custom target). */
  masses: number[] | null;
  kl: number | null;
  status: string;
  seed: number;
  backend: string;
  /** Sweeps (Gaussian MFVI: Adam iterations); null for LMC. */
  iterations: number | null;
}

/** What the page reports of a result; masses from 20,000 stratified draws (seed 0) or LMC's draws. */
export function summarize(s: State, result: Approximation | LmcResult): Summary {
  const mixture = s.target === "mixture" ? gaussianMixture(mixtureSpec(s)) : null;
  const lmc = s.method === "lmc";
  const q = result as Approximation;
  const r = result as LmcResult;
  const masses = mixture ? Array.from(componentMass(lmc ? r.samples : q, mixture, lmc ? undefined : { samples: 20_000 })) : null;
  return { method: s.method, masses, kl: lmc ? null : q.kl, status: result.status, seed: s.seed, backend: result.backend, iterations: lmc ? null : q.iterations };
}
