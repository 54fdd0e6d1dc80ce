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
