/**
 * In-memory state of the loopback Batch account: pools (with nodes), jobs and their tasks,
 * plus how each is rendered as the service's JSON (`BatchPool`, `BatchJob`, `BatchTask` in 2025-06-01).
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject as Json, TaskSpec } from './spec-types.js';
import type { ResizeError } from './supported-images.js';

export interface Node {
  id: string;
  isDedicated: boolean;
  /** Tasks running on this node (keyed `jobId/taskId`). */
  running: Set<string>;
  /** When the node becomes usable (ms since epoch); before that it is starting. */
  readyAt: number;
}

interface AutoScaleRun {
  timestamp: string;
  results?: string;
  error?: { code: string; message: string };
}

export interface Pool {
  id: string;
  spec: Json;
  creationTime: string;
  lastModified: string;
  eTag: string;
  state: 'active' | 'deleting';
  allocationState: 'steady' | 'resizing' | 'stopping';
  allocationStateTransitionTime: string;
  taskSlotsPerNode: number;
  enableAutoScale: boolean;
  autoScaleFormula?: string;
  autoScaleEvaluationInterval: string;
  autoScaleRun?: AutoScaleRun;
  /** ms since epoch of the last enableautoscale call (the service allows one per 30 s). */
  lastEnableAutoScaleAt?: number;
  nextAutoScaleAt?: number;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  nodeDeallocationOption: string;
  nodes: Node[];
  nodeSeq: number;
  /** Errors of the last resize (kept until the next resize that changes the targets, as the service keeps them). */
  resizeErrors?: ResizeError[];
}

interface TaskExecution {
  startTime?: string;
  endTime?: string;
  exitCode?: number;
  failureInfo?: { category: string; code: string; message: string; details?: { name: string; value: string }[] };
  retryCount: number;
  requeueCount: number;
  lastRetryTime?: string;
  result?: 'success' | 'failure';
}

export interface Task {
  id: string;
  seq: number;
  spec: TaskSpec;
  creationTime: string;
  lastModified: string;
  eTag: string;
  state: 'active' | 'preparing' | 'running' | 'completed';
  stateTransitionTime: string;
  previousState?: string;
  previousStateTransitionTime?: string;
  executionInfo: TaskExecution;
  nodeInfo?: Json;
  /** Whether dependents may run once this task completed (from exitConditions' dependencyAction). */
  satisfiesDependents?: boolean;
  /** Stops the running process (set while running). */
  abort?: AbortController;
}

export interface Job {
  id: string;
  spec: Json;
  creationTime: string;
  lastModified: string;
  eTag: string;
  state: 'active' | 'disabling' | 'disabled' | 'enabling' | 'terminating' | 'completed' | 'deleting';
  stateTransitionTime: string;
  previousState?: string;
  previousStateTransitionTime?: string;
  poolId: string;
  onAllTasksComplete: string;
  onTaskFailure: string;
  usesTaskDependencies: boolean;
  priority: number;
  terminateReason?: string;
  endTime?: string;
  /** Tasks by lower-cased id (ids are case-insensitive). */
  tasks: Map<string, Task>;
  taskSeq: number;
}

/** Monotonic ISO timestamps: each call returns a time strictly after the previous one. */
let lastTime = 0;
export function now(): string {
  lastTime = Math.max(Date.now(), lastTime + 1);
  return new Date(lastTime).toISOString();
}

export function newETag(): string {
  return `0x8D${randomUUID().replace(/-/g, '').slice(0, 13).toUpperCase()}`;
}

export class BatchStore {
  readonly pools = new Map<string, Pool>();
  readonly jobs = new Map<string, Job>();

  pool(id: string): Pool | undefined {
    return this.pools.get(id.toLowerCase());
  }

  job(id: string): Job | undefined {
    return this.jobs.get(id.toLowerCase());
  }
}

/** Moves a task to `state`, keeping previous state and times like the service. */
export function setTaskState(task: Task, state: Task['state']): void {
  if (task.state === state) return;
  task.previousState = task.state;
  task.previousStateTransitionTime = task.stateTransitionTime;
  task.state = state;
  task.stateTransitionTime = now();
  task.lastModified = task.stateTransitionTime;
  task.eTag = newETag();
}

export function setJobState(job: Job, state: Job['state']): void {
  if (job.state === state) return;
  job.previousState = job.state;
  job.previousStateTransitionTime = job.stateTransitionTime;
  job.state = state;
  job.stateTransitionTime = now();
  job.lastModified = job.stateTransitionTime;
  job.eTag = newETag();
}

const readyNodes = (pool: Pool, dedicated: boolean): number =>
  pool.nodes.filter((n) => n.isDedicated === dedicated && n.readyAt <= Date.now()).length;

export function renderPool(pool: Pool, baseUrl: string): Json {
  return {
    id: pool.id,
    url: `${baseUrl}/pools/${pool.id}`,
    eTag: pool.eTag,
    lastModified: pool.lastModified,
    creationTime: pool.creationTime,
    state: pool.state,
    stateTransitionTime: pool.creationTime,
    allocationState: pool.allocationState,
    allocationStateTransitionTime: pool.allocationStateTransitionTime,
    ...pool.spec,
    taskSlotsPerNode: pool.taskSlotsPerNode,
    enableAutoScale: pool.enableAutoScale,
    ...(pool.enableAutoScale
      ? {
          autoScaleFormula: pool.autoScaleFormula,
          autoScaleEvaluationInterval: pool.autoScaleEvaluationInterval,
          autoScaleRun: pool.autoScaleRun,
        }
      : {}),
    targetDedicatedNodes: pool.targetDedicatedNodes,
    targetLowPriorityNodes: pool.targetLowPriorityNodes,
    currentDedicatedNodes: readyNodes(pool, true),
    currentLowPriorityNodes: readyNodes(pool, false),
    ...(pool.resizeErrors?.length && pool.allocationState === 'steady' ? { resizeErrors: pool.resizeErrors } : {}),
  };
}

export function renderJob(job: Job, baseUrl: string): Json {
  return {
    id: job.id,
    url: `${baseUrl}/jobs/${job.id}`,
    eTag: job.eTag,
    lastModified: job.lastModified,
    creationTime: job.creationTime,
    state: job.state,
    stateTransitionTime: job.stateTransitionTime,
    ...(job.previousState ? { previousState: job.previousState, previousStateTransitionTime: job.previousStateTransitionTime } : {}),
    ...job.spec,
    priority: job.priority,
    usesTaskDependencies: job.usesTaskDependencies,
    onAllTasksComplete: job.onAllTasksComplete,
    onTaskFailure: job.onTaskFailure,
    executionInfo: {
      startTime: job.creationTime,
      poolId: job.poolId,
      ...(job.endTime ? { endTime: job.endTime } : {}),
      ...(job.terminateReason ? { terminateReason: job.terminateReason } : {}),
    },
  };
}

export function renderTask(task: Task, job: Job, baseUrl: string): Json {
  const { id: _id, constraints, ...rest } = task.spec;
  return {
    id: task.id,
    url: `${baseUrl}/jobs/${job.id}/tasks/${task.id}`,
    eTag: task.eTag,
    lastModified: task.lastModified,
    creationTime: task.creationTime,
    state: task.state,
    stateTransitionTime: task.stateTransitionTime,
    ...(task.previousState ? { previousState: task.previousState, previousStateTransitionTime: task.previousStateTransitionTime } : {}),
    ...rest,
    constraints: { maxWallClockTime: 'P10675199DT2H48M5.4775807S', retentionTime: 'P7D', maxTaskRetryCount: 0, ...constraints },
    requiredSlots: task.spec.requiredSlots ?? 1,
    executionInfo: task.executionInfo,
    ...(task.nodeInfo ? { nodeInfo: task.nodeInfo } : {}),
  };
}
