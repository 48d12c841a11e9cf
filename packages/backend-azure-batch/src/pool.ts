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
import { BackendError } from '@mxn/core';
import { batchErrorCode, batchErrorText, safeCause, type BatchClient } from './client.js';
import type { NodeImage } from './node-image.js';

/** Pool id when neither `compute.pool` nor `MXN_BATCH_POOL` names one. */
export const DEFAULT_POOL_ID = 'mxn';
/** VM size of the nodes when `compute.vmSize` names none (Dsv3: not in a family Azure is retiring). */
export const DEFAULT_VM_SIZE = 'standard_d2s_v3';
/** Metadata a pool mxn created carries: only such pools are scaled and parked. */
export const MANAGED_TAG = 'mxn-managed';
const EVALUATION_INTERVAL = 'PT5M';
/** Minimum time between enableautoscale calls on one pool (the service's rule). */
const ENABLE_MIN_INTERVAL_MS = 30_000;
/** While a run has tasks waiting, it checks every this many polls whether another run parked the pool. */
const PARKED_CHECK_EVERY = 10;

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

  /** Creates the named pool at zero nodes (autoscale is enabled on submit), or reuses it. */
  static async open(client: BatchClient, settings: PoolSettings): Promise<RunPool> {
    const { enableAutoScale, autoScaleFormula: _formula, autoScaleEvaluationInterval: _interval, ...spec } = poolSpecification(settings);
    void enableAutoScale;
    try {
      await client.pool.add({ id: settings.poolId, ...spec, enableAutoScale: false, targetDedicatedNodes: 0, targetLowPriorityNodes: 0 });
      return new RunPool(client, settings.poolId, true, settings);
    } catch (error) {
      if (batchErrorCode(error) !== 'PoolExists')
        throw new BackendError(`azure-batch: creating pool ${settings.poolId} failed: ${batchErrorText(error)}`, {
          cause: safeCause(error),
        });
    }
    const pool = await client.pool.get(settings.poolId).catch((error: unknown) => {
      throw new BackendError(`azure-batch: reading pool ${settings.poolId} failed: ${batchErrorText(error)}`, { cause: safeCause(error) });
    });
    const managed = (pool.metadata ?? []).some((item) => item.name === MANAGED_TAG);
    return new RunPool(client, settings.poolId, managed, settings);
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
   * allows it again, and while tasks wait, turns a pool another run parked (autoscale off, target 0)
   * back on.
   */
  async maintain(waitingTasks = 0): Promise<void> {
    if (!this.managed) return;
    if (this.reenableAt !== undefined) {
      if (Date.now() < this.reenableAt) return;
      if (await this.enable()) this.reenableAt = undefined;
      else this.reenableAt = Date.now() + 5000;
      return;
    }
    if (waitingTasks === 0 || ++this.pollsSinceCheck < PARKED_CHECK_EVERY) return;
    this.pollsSinceCheck = 0;
    const pool = await this.client.pool
      .get(this.poolId, { poolGetOptions: { select: 'id,enableAutoScale,targetDedicatedNodes,targetLowPriorityNodes' } })
      .catch((error: unknown) => {
        throw new BackendError(`azure-batch: reading pool ${this.poolId} failed: ${batchErrorText(error)}`, { cause: safeCause(error) });
      });
    if (!pool.enableAutoScale && (pool.targetDedicatedNodes ?? 0) + (pool.targetLowPriorityNodes ?? 0) === 0)
      await this.scaleNow(waitingTasks);
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
