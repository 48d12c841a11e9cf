export * from './backend.js';
export { cancelledRun } from './cancelled-run.js';
export { exitCodeRetries, shouldRetry, type AttemptFailure } from './retry-rule.js';
export * from './results.js';
export * from './errors.js';
export { formatDuration, parseDuration } from './duration.js';
export * from './schema/experiment.js';
export { jsonSchemaOf, jsonSchemaTextOf } from './schema/json-schema.js';
export { loadExperiment, type LoadedExperiment, type LoadOptions } from './load/load-experiment.js';
export { parseExperimentText, readExperimentText } from './load/experiment-text.js';
export type { ResolvedDataset } from './load/check-datasets.js';
export { resolveDataSource, type DataSource } from './load/data-source.js';
export {
  planExperiment,
  parseCellFilter,
  metricsOf,
  type CellFilter,
  type Plan,
  type PlannedAggregate,
  type PlannedSplit,
  type PlannedCell,
  type PlanOptions,
  type Rerun,
} from './plan/plan.js';
export { expandVariants, type Variant } from './plan/variants.js';
export { unsafeIdReason } from './plan/ids.js';
export { buildContextFiles, hashBuildContext, clearBuildContextHashes, isWorkspacePackage } from './plan/build-context.js';
export { PYTHON_KIT_NAME, requiresModelKit } from './plan/python-kit.js';
export { hashValue, canonicalJson } from './plan/hash.js';
export { paramsJson } from './plan/param-json.js';
export {
  aggregateKey,
  cachePaths,
  cellKey,
  inputKey,
  outputPaths,
  projectPaths,
  runIdOf,
  stagingPaths,
  storeAddresses,
  type CellKeyParts,
  type InputKeyParts,
  type StoreAddresses,
} from './addresses.js';
