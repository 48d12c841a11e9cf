/**
 * Shape of the compact Batch spec facts kept in `spec-facts.json`.
 *
 * A property type is one of: `string`, `integer`, `number`, `boolean`, `object`, `date-time`,
 * `duration`, `#Definition` (a nested object), `enum:Name` (values in `enums`), or `[T]` (array of T).
 */
export type TypeFact = string;

export interface DefinitionFacts {
  properties: Record<string, TypeFact>;
  required?: string[];
  /** Longest allowed string per property (from the description's "cannot contain more than N characters"). */
  maxLength?: Record<string, number>;
  /** Most items allowed per array property. */
  maxItems?: Record<string, number>;
  /** The definition's `id` is case-preserving and case-insensitive. */
  caseInsensitiveId?: boolean;
}

interface OperationFacts {
  /** The operationId in the description (the service's own name for the operation is the key). */
  operationId: string;
  method: string;
  path: string;
  body?: string;
  bodyRequired?: boolean;
  /** Definition of the success answer's body, when it has one. */
  response?: string;
  query: string[];
  success: number[];
}

export interface SpecFacts {
  apiVersion: string;
  operations: Record<string, OperationFacts>;
  definitions: Record<string, DefinitionFacts>;
  enums: Record<string, string[]>;
}

/*
 * Shapes of the REST bodies the loopback service acts on. Bodies are checked against the spec facts
 * first (`validateDefinition`); fields the service does not act on are kept as sent.
 */

/** A JSON object of a request or response body. */
export type JsonObject = Record<string, unknown>;

/** A `name`/`value` pair (`EnvironmentSetting`, `HttpHeader`). */
interface NameValuePair {
  name: string;
  value?: string;
}

/** What to do when a task ends a certain way (`ExitOptions`). */
export interface ExitOptions {
  jobAction?: string;
  dependencyAction?: string;
}

/** How a task's end maps to `ExitOptions` (`ExitConditions`). */
export interface ExitConditions {
  exitCodes?: { code: number; exitOptions: ExitOptions }[];
  exitCodeRanges?: { start: number; end: number; exitOptions: ExitOptions }[];
  preProcessingError?: ExitOptions;
  fileUploadError?: ExitOptions;
  default?: ExitOptions;
}

/** A file to download onto the node before the task runs (`ResourceFile`). */
export interface ResourceFile {
  httpUrl?: string;
  storageContainerUrl?: string;
  blobPrefix?: string;
  filePath?: string;
}

/** Files to upload after the task ran (`OutputFile`). */
export interface OutputFile {
  filePattern: string;
  destination?: { container?: { containerUrl?: string; path?: string; uploadHeaders?: NameValuePair[] } };
  uploadOptions?: { uploadCondition?: string };
}

/** A Batch data path mounted into a task's container (`ContainerHostBatchBindMountEntry`, `ContainerHostDataPath`). */
export interface BindMountEntry {
  source?: string;
  isReadOnly?: boolean;
}

/** A task as added (`BatchTaskCreateOptions`). */
export interface TaskSpec extends JsonObject {
  id: string;
  commandLine?: string;
  containerSettings?: { imageName: string; workingDirectory?: string; containerHostBatchBindMounts?: BindMountEntry[] };
  environmentSettings?: NameValuePair[];
  resourceFiles?: ResourceFile[];
  outputFiles?: OutputFile[];
  constraints?: { maxWallClockTime?: string; retentionTime?: string; maxTaskRetryCount?: number };
  requiredSlots?: number;
  dependsOn?: { taskIds?: string[]; taskIdRanges?: { start: number; end: number }[] };
  exitConditions?: ExitConditions;
}

/** A pool's settings (`BatchPoolCreateOptions` without its id, or an auto pool's `BatchPoolSpecification`). */
export interface PoolSpec extends JsonObject {
  virtualMachineConfiguration?: JsonObject;
  enableAutoScale?: boolean;
  autoScaleFormula?: string;
  autoScaleEvaluationInterval?: string;
  targetDedicatedNodes?: number;
  targetLowPriorityNodes?: number;
  taskSlotsPerNode?: number;
}
