// A seeded RoVI fit whose every number is returned as its IEEE bits (hex), for Node and the
// browser bundle to compare: the same seed must give the same bits on both backends and in
// every engine.
import { componentMass, gaussianMixture, rovi } from "rovi";

const hex = (values) =>
  Array.from(new Uint8Array(Float64Array.from(values).buffer), (b) => b.toString(16).padStart(2, "0")).join("");

export async function fitBits(backend) {
  const target = gaussianMixture({ weights: [0.3, 0.7], means: [[-2, -2], [2, 2]], covariances: [1, 1], backend });
  const fit = await rovi(target, { backend, seed: 7 });
  return hex([fit.kl, fit.elbo, ...fit.rotation, ...componentMass(fit, target), ...fit.sample(64, { seed: 3 })]);
}
