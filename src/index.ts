// rovi: mean-field and rotational variational inference with a WASM core.
export { ready, type BackendName } from "./backend.js";
export {
  gaussian,
  gaussianMixture,
  customTarget,
  GaussianMixture,
  CustomTarget,
  type Target,
  type Covariance,
  type MixtureComponent,
  type GaussianSpec,
  type GaussianMixtureSpec,
  type CustomTargetSpec,
} from "./targets.js";
export { mfvi, mfviStepper, type MfviOptions } from "./mfvi.js";
export { Approximation, type Marginal } from "./approximation.js";
export type { Status, StepperStatus, Stepper } from "./core/driver.js";
export type { ProgressInfo, CaviOptions } from "./cavi.js";
export { componentMass, componentMassEstimate, marginalW1, marginalW1Estimate, marginalCdf, type ApproxOrSamples, type DiagnosticOptions, type MassEstimate, type W1Estimate } from "./diagnostics.js";
export { svd, nearestOrthogonal, type SvdResult, type SvdOptions, type NearestOrthogonalResult, type NearestOrthogonalOptions, type MatrixInput } from "./linalg.js";
export { lmc, lmcStepper, type LmcOptions, type LmcProgress, type LmcResult, type LmcStatus } from "./lmc.js";
export { gaussianMfvi, gaussianMfviStepper, type GaussianMfviOptions } from "./gaussian-mfvi.js";
export { gaussianVi, gaussianViStepper, type GaussianViOptions } from "./gaussian-vi.js";
export { GaussianApproximation } from "./gaussian-approximation.js";
export { rovi, roviStepper, principalAxes, type ExploreProgress, type RoviExploreOptions, type RoviOptions, type RoviProgress, type TemperSchedule } from "./rovi.js";
export { labelSwitchingPosterior, type LabelSwitchingOptions } from "./posteriors.js";
export { faithfulEruptions, faithfulWaiting } from "./data/faithful.js";
export { normalDraws } from "./random.js";
export { math } from "./math.js";
export { collapseCheck, mixtureGeometry, type CollapseCheckOptions, type CollapseReport, type CollapseFit, type MixtureGeometry, type ExploreOptions } from "./collapse.js";
