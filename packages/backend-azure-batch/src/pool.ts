/**
 * The pool a run's tasks go to: created (or reused) with a container configuration that pre-fetches
 * the run's images, autoscaling from zero on pending tasks up to maxNodes. On submit it forces an
 * evaluation at once (enable autoscale again; when the service refuses that more than once per 30 s,
 * a resize to the nodes needed, with autoscale re-enabled once allowed). A pool mxn created is brought
 * back to zero when the run ends, however it ends: autoscale off, resize to 0 (`taskcompletion`).
 *
 * Why not just evaluate the formula then: the service evaluates autoscale at most every 5 minutes and
 * its `$PendingTasks` samples lag, so an evaluation right after the last task ended still sees it
 * pending and keeps the nodes until a later evaluation. The parked pool keeps autoscale off (its
 * formula is `autoScaleFormula(settings)`, re-sent with every enable): the next run's submit enables
 * it again, and a concurrent run on the same pool (another run of the same experiment) whose tasks
 * are still waiting finds the pool parked within `PARKED_CHECK_EVERY` polls and enables it again.
 * `taskcompletion` lets that run's running tasks finish on the nodes being removed.
 */
import type { BatchServiceModels } from '@azure/batch';
import { retry } from '@mxn/async';
import { BackendError } from '@mxn/core';
import { redact } from '@mxn/storage';
import { batchErrorCode, batchErrorText, safeCause, type BatchClient } from './client.js';
import { imageLabel, RETIRED_POOL_REMEDY, retiredPoolText, type NodeImage, type PoolImage, type Retirement } from './node-image.js';

/** Pool id when neither `compute.pool` nor `MXN_BATCH_POOL` names one. */
export const DEFAULT_POOL_ID = 'mxn';
/** VM size of the nodes when `compute.vmSize` names none (Dsv3: not in a family Azure is retiring). */
export const DEFAULT_VM_SIZE = 'standard_d2s_v3';
/** Metadata a pool mxn created carries: only such pools are scaled and parked. */
export const MANAGED_TAG = 'mxn-managed';
const EVALUATION_INTERVAL = 'PT5M';
/** Minimum time between enableautoscale calls on one pool (the service's rule). */
const ENABLE_MIN_INTERVAL_MS = 30_000;
/** While a run has tasks waiting, it checks every this many polls whether another run parked the pool, or it cannot grow. */
const PARKED_CHECK_EVERY = 10;
/** What that check reads of the pool. */
const MAINTAIN_SELECT = [
  'id',
  'enableAutoScale',
  'targetDedicatedNodes',
  'targetLowPriorityNodes',
  'allocationState',
  'currentDedicatedNodes',
  'currentLowPriorityNodes',
  'resizeErrors',
].join(',');

export interface PoolSettings {
  poolId: string;
  vmSize: string;
  maxNodes: number;
  taskSlotsPerNode: number;
  spot: boolean;
  /** The nodes' VM image and node agent (node-image.ts chooses it). */
  nodeImage: NodeImage;
  images: string[];
  registry?: BatchServiceModels.ContainerRegistry;
}

/** The autoscale formula: nodes follow pending (active + running) tasks up to maxNodes, idle nodes go once their tasks end. */
export function autoScaleFormula(settings: Pick<PoolSettings, 'maxNodes' | 'taskSlotsPerNode' | 'spot'>): string {
  const target = settings.spot
    ? ['$TargetDedicatedNodes = 0;', '$TargetLowPriorityNodes = $nodes;']
    : ['$TargetDedicatedNodes = $nodes;', '$TargetLowPriorityNodes = 0;'];
  return [
    '$tasks = max(0, $PendingTasks.GetSample(1));',
    `$nodes = min(${settings.maxNodes}, ceil($tasks / ${settings.taskSlotsPerNode}));`,
    ...target,
    '$NodeDeallocationOption = taskcompletion;',
  ].join('\n');
}

export function poolSpecification(settings: PoolSettings): BatchServiceModels.PoolSpecification {
  return {
    vmSize: settings.vmSize,
    virtualMachineConfiguration: {
      imageReference: {
        publisher: settings.nodeImage.publisher,
        offer: settings.nodeImage.offer,
        sku: settings.nodeImage.sku,
        version: settings.nodeImage.version,
      },
      nodeAgentSKUId: settings.nodeImage.nodeAgentSKUId,
      containerConfiguration: {
        containerImageNames: settings.images,
        ...(settings.registry ? { containerRegistries: [settings.registry] } : {}),
      },
    },
    taskSlotsPerNode: settings.taskSlotsPerNode,
    enableAutoScale: true,
    autoScaleFormula: autoScaleFormula(settings),
    autoScaleEvaluationInterval: EVALUATION_INTERVAL,
    metadata: [{ name: MANAGED_TAG, value: 'true' }],
  };
}

/** How a run checks an existing pool's node image (the backend knows the account's supported images and the clock). */
export interface PoolImageCheck {
  /** When `image` (or its node agent) is past its Batch support end of life: its label and the date. */
  retired(image: PoolImage): Promise<Retirement | undefined>;
  /** Where the run says that it replaces a retired pool (one line). */
  log?: ((line: string) => void) | undefined;
}

/** The Marketplace image and node agent of a pool as `pool.get` answers it, when it has one. */
export function poolImageOf(pool: Pick<BatchServiceModels.CloudPool, 'virtualMachineConfiguration'>): PoolImage | undefined {
  const vm = pool.virtualMachineConfiguration;
  const ref = vm?.imageReference;
  if (!ref?.publisher || !ref.offer || !ref.sku) return undefined;
  return { publisher: ref.publisher, offer: ref.offer, sku: ref.sku, version: ref.version ?? 'latest', nodeAgentSKUId: vm?.nodeAgentSKUId };
}

/** Whether mxn created the pool (it carries MANAGED_TAG): only such pools are scaled, parked or replaced. */
export const isManagedPool = (pool: Pick<BatchServiceModels.CloudPool, 'metadata'>) =>
  (pool.metadata ?? []).some((item) => item.name === MANAGED_TAG);

/** Nodes a pool has (in any state), as `pool.get` answers it. */
export const poolNodeCount = (pool: Pick<BatchServiceModels.CloudPool, 'currentDedicatedNodes' | 'currentLowPriorityNodes'>) =>
  (pool.currentDedicatedNodes ?? 0) + (pool.currentLowPriorityNodes ?? 0);

/**
 * Why a pool that tasks wait for cannot grow: its resize errors (`code: message`, each once), when its
 * last resize has ended (`allocationState` steady) without any node; undefined otherwise.
 */
export function growthError(pool: BatchServiceModels.CloudPool): string | undefined {
  const errors = pool.resizeErrors ?? [];
  if (errors.length === 0 || pool.allocationState !== 'steady' || poolNodeCount(pool) > 0) return undefined;
  const lines = errors.map((error) => [error.code, error.message?.split('\n')[0]].filter(Boolean).join(': '));
  return redact([...new Set(lines)].join('; '));
}

/** A pool in use by one run. */
export class RunPool {
  private reenableAt: number | undefined;
  private lastEnableAt = -Infinity;
  private pollsSinceCheck = 0;

  private constructor(
    private readonly client: BatchClient,
    readonly poolId: string,
    /** mxn created the pool (its metadata says so): it scales it and returns it to zero. */
    readonly managed: boolean,
    private readonly settings: PoolSettings,
  ) {}

  /**
   * Creates the named pool at zero nodes (autoscale is enabled on submit), or reuses it. An existing
   * pool whose node image or agent is past its Batch support end of life (`check`) cannot get new
   * nodes: when mxn created it (`mxn-managed`) and it has no nodes (so no task runs on it), it is
   * deleted and created again with the chosen image, and `check.log` says so; otherwise the run fails
   * here, before anything is submitted, with a `Config` error that says what to do.
   */
  static async open(client: BatchClient, settings: PoolSettings, check?: PoolImageCheck): Promise<RunPool> {
    const { enableAutoScale, autoScaleFormula: _formula, autoScaleEvaluationInterval: _interval, ...spec } = poolSpecification(settings);
    void enableAutoScale;
    const add = () =>
      client.pool.add({ id: settings.poolId, ...spec, enableAutoScale: false, targetDedicatedNodes: 0, targetLowPriorityNodes: 0 });
    const addFailed = (error: unknown) =>
      new BackendError(`azure-batch: creating pool ${settings.poolId} failed: ${batchErrorText(error)}`, { cause: safeCause(error) });
    try {
      await add();
      return new RunPool(client, settings.poolId, true, settings);
    } catch (error) {
      if (batchErrorCode(error) !== 'PoolExists') throw addFailed(error);
    }
    const pool = await client.pool.get(settings.poolId).catch((error: unknown) => {
      throw new BackendError(`azure-batch: reading pool ${settings.poolId} failed: ${batchErrorText(error)}`, { cause: safeCause(error) });
    });
    const managed = isManagedPool(pool);
    const image = poolImageOf(pool);
    const retired = image && (await check?.retired(image));
    if (!retired) return new RunPool(client, settings.poolId, managed, settings);

    const nodes = poolNodeCount(pool);
    // Replacing it is only worth it when the new pool can be created: the chosen image must be supported.
    const replaceable = managed && nodes === 0 && !(await check?.retired(settings.nodeImage));
    if (!replaceable) {
      const why = !managed
        ? 'mxn did not create it, so it does not delete it'
        : nodes > 0
          ? `it has ${nodes} node${nodes === 1 ? '' : 's'}, so mxn does not delete it`
          : `mxn would create it again with ${imageLabel(settings.nodeImage)}, which Batch no longer supports either`;
      throw new BackendError(`azure-batch: ${retiredPoolText(settings.poolId, retired)}: ${RETIRED_POOL_REMEDY}`, {
        code: 'Config',
        hint: `Batch adds no nodes to such a pool; ${why}`,
      });
    }
    check?.log?.(
      `azure-batch: ${retiredPoolText(settings.poolId, retired)}: deleting it (mxn created it; it has no nodes) ` +
        `and creating it again with ${imageLabel(settings.nodeImage)}`,
    );
    await client.pool.deleteMethod(settings.poolId).catch((error: unknown) => {
      if (!['PoolBeingDeleted', 'PoolNotFound'].includes(batchErrorCode(error) ?? ''))
        throw new BackendError(`azure-batch: deleting pool ${settings.poolId} failed: ${batchErrorText(error)}`, {
          cause: safeCause(error),
        });
    });
    // The service takes a while to remove a pool: until then creating one with its id answers PoolBeingDeleted.
    await retry(add, {
      attempts: Infinity,
      baseMs: 500,
      maxMs: 5000,
      jitter: 0,
      maxElapsedMs: 600_000,
      isRetryable: (error) => batchErrorCode(error) === 'PoolBeingDeleted',
    }).catch((error: unknown) => {
      throw addFailed(error);
    });
    return new RunPool(client, settings.poolId, true, settings);
  }

  /** An auto-pool (created with the job): scaled like a managed pool; deleted by the service with its job. */
  static attached(client: BatchClient, poolId: string, settings: PoolSettings): RunPool {
    return new RunPool(client, poolId, true, settings);
  }

  /** Starts nodes for `pendingTasks` now instead of at the next periodic evaluation. */
  async scaleNow(pendingTasks: number): Promise<void> {
    if (!this.managed) return;
    if (await this.enable()) return;
    // Refused (enabled less than 30 s ago): size the pool by hand now, hand it back to autoscale later.
    const nodes = Math.min(this.settings.maxNodes, Math.ceil(pendingTasks / this.settings.taskSlotsPerNode));
    await this.resize(nodes);
    this.reenableAt = this.lastEnableAt + ENABLE_MIN_INTERVAL_MS;
  }

  /**
   * Called on every poll with the run's waiting (active) tasks: re-enables autoscale once the service
   * allows it again, and while tasks wait, reads the pool every `PARKED_CHECK_EVERY` polls: a pool
   * another run parked (autoscale off, target 0) is turned back on; a pool that cannot grow (its last
   * resize ended with resize errors and no node, e.g. a node image past its end of support, a quota)
   * fails the run with those errors rather than waiting for nodes that never come.
   */
  async maintain(waitingTasks = 0): Promise<void> {
    if (this.managed && this.reenableAt !== undefined) {
      if (Date.now() < this.reenableAt) return;
      if (await this.enable()) this.reenableAt = undefined;
      else this.reenableAt = Date.now() + 5000;
      return;
    }
    if (waitingTasks === 0 || ++this.pollsSinceCheck < PARKED_CHECK_EVERY) return;
    this.pollsSinceCheck = 0;
    const pool = await this.client.pool.get(this.poolId, { poolGetOptions: { select: MAINTAIN_SELECT } }).catch((error: unknown) => {
      throw new BackendError(`azure-batch: reading pool ${this.poolId} failed: ${batchErrorText(error)}`, { cause: safeCause(error) });
    });
    if (this.managed && !pool.enableAutoScale && (pool.targetDedicatedNodes ?? 0) + (pool.targetLowPriorityNodes ?? 0) === 0) {
      await this.scaleNow(waitingTasks);
      return;
    }
    const error = growthError(pool);
    if (error) throw new BackendError(`azure-batch: pool ${this.poolId} cannot add nodes: ${error}`);
  }

  /**
   * Brings a managed pool to zero now that the run's tasks are done or stopped: autoscale off, resize
   * to 0 with `taskcompletion` (running tasks, e.g. of a concurrent run, finish first). Autoscale stays
   * off until a run enables it again (see the module comment).
   */
  async settle(): Promise<void> {
    if (!this.managed) return;
    this.reenableAt = undefined;
    await this.resize(0);
  }

  /** enableautoscale (evaluates at once); false when refused for being too soon after the last one. */
  private async enable(): Promise<boolean> {
    try {
      await this.client.pool.enableAutoScale(this.poolId, {
        autoScaleFormula: autoScaleFormula(this.settings),
        autoScaleEvaluationInterval: EVALUATION_INTERVAL,
      });
      this.lastEnableAt = Date.now();
      return true;
    } catch (error) {
      if (batchErrorCode(error) === 'AutoScaleTooManyRequestsToEnable') {
        if (this.lastEnableAt === -Infinity) this.lastEnableAt = Date.now();
        return false;
      }
      throw new BackendError(`azure-batch: enabling autoscale on pool ${this.poolId} failed: ${batchErrorText(error)}`, {
        cause: safeCause(error),
      });
    }
  }

  private async resize(nodes: number): Promise<void> {
    try {
      await this.client.pool.disableAutoScale(this.poolId);
      const target = this.settings.spot
        ? { targetDedicatedNodes: 0, targetLowPriorityNodes: nodes }
        : { targetDedicatedNodes: nodes, targetLowPriorityNodes: 0 };
      await this.client.pool.resize(this.poolId, { ...target, nodeDeallocationOption: 'taskcompletion' });
    } catch (error) {
      throw new BackendError(`azure-batch: resizing pool ${this.poolId} to ${nodes} failed: ${batchErrorText(error)}`, {
        cause: safeCause(error),
      });
    }
  }
}
