// A strict TypeScript user of both entry points, compiled by the package test with
// skipLibCheck off under each moduleResolution (node16, nodenext, bundler, node).
import { componentMass, gaussianMixture, mfvi, type Approximation, type StepperStatus, type MfviOptions } from "rovi";
import { runStudy, type StudyOptions } from "rovi/study";

const options: MfviOptions = { init: { center: [3, 3], scale: 1 }, backend: "js" };

export async function collapse(): Promise<{ status: StepperStatus; masses: Float64Array; kl: number }> {
  const target = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
  const fit: Approximation = await mfvi(target, options);
  return { status: fit.status, masses: componentMass(fit, target), kl: fit.kl };
}

export const study: StudyOptions = { only: ["E1"], size: "quick", figures: false };
export const run: typeof runStudy = runStudy;
