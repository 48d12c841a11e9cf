export {
  openExperiment,
  type CellLogs,
  type ExperimentSession,
  type OpenExperimentOptions,
  type RunReport,
  type SessionPlanOptions,
  type SessionRunOptions,
} from './experiment-session.js';
export { buildImages, IMAGE_STATES, loadForBuild, type BuildOptions, type BuildReport, type ImageState } from './build.js';
export { parseOnly, parseOnlyFlags } from './cell-filters.js';
export { resolveBaseline } from './run/baseline.js';
export { baselineMismatch, type BaselineSubject } from './run/run-history.js';
export { resultsAtGitRef, type ResultsAtRef } from './run/results-at-git-ref.js';
export type { RunEvent } from './run/event-relay.js';
export type { OutputStream } from './run/follow-output.js';
export { exitCodeOfOutcome, runOutcomeClass, type RunOutcomeClass } from './exit-class.js';
export { createBackend, type CreateBackendOptions } from './backends/create-backend.js';
export { chooseRuntime, type RuntimeChoice } from './backends/choose-runtime.js';
export { publishOutputs, type PublishReport } from './publish-outputs.js';
export { allowedLocations, checkLocations } from './location-policy.js';
export {
  backendSettings,
  backendSettingsSchemas,
  experimentJsonSchema,
  experimentJsonSchemaText,
  experimentSchema,
  loadExperiment,
  type BackendSettings,
  type BackendWithSettings,
} from './experiment-schema.js';
