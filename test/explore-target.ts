// The paper's Figure-1 mixture w N(-3u, I) + (1 - w) N(3u, I) written as a custom target (so RoVI
// has no covariance to start from), beside the same mixture as a built-in one for its component
// masses. The density is written out normalised, so log Z = 0 and the fit's kl is the true KL.
// It uses rovi's math, not Math.exp and Math.log, whose last bits differ between Node and
// Chromium: its fits are compared bit for bit between the two (test/reproducibility.ts).
import { customTarget, gaussianMixture, math } from "../src/index.js";

/** A seeded unit vector in R^d. */
export function direction(d: number): number[] {
  let s = d >>> 0;
  const u = Array.from({ length: d }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1);
  const norm = Math.sqrt(u.reduce((s, x) => s + x * x, 0)); // not Math.hypot, which differs between engines too
  return u.map((x) => x / norm);
}

export function figureOneMixture(d: number, w: number) {
  const u = direction(d);
  const norm = -0.5 * d * math.log(2 * Math.PI);
  const [la, lb] = [math.log(w), math.log(1 - w)];
  const evaluate = (p: Float64Array, out: Float64Array, g: Float64Array | null) => {
    for (let j = 0; j < out.length; j++) {
      let a = 0;
      let b = 0;
      for (let i = 0; i < d; i++) {
        const [xa, xb] = [p[j * d + i] + 3 * u[i], p[j * d + i] - 3 * u[i]];
        a += xa * xa;
        b += xb * xb;
      }
      const [ea, eb] = [la - a / 2, lb - b / 2];
      const top = Math.max(ea, eb);
      const [ra, rb] = [math.exp(ea - top), math.exp(eb - top)];
      out[j] = norm + top + math.log(ra + rb);
      if (g) for (let i = 0; i < d; i++) g[j * d + i] = -(ra * (p[j * d + i] + 3 * u[i]) + rb * (p[j * d + i] - 3 * u[i])) / (ra + rb);
    }
  };
  const custom = customTarget({ dim: d, normalized: true, logDensity: (p, out) => evaluate(p, out, null), logDensityAndGradient: (p, out, g) => evaluate(p, out, g) });
  const mixture = gaussianMixture({ weights: [w, 1 - w], means: [u.map((x) => -3 * x), u.map((x) => 3 * x)], covariances: [1, 1] });
  return { custom, mixture, u };
}
