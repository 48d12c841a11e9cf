/**
 * The `azure-batch` settings an experiment file may give under `compute` (with `backend: azure-batch`):
 * the shape of the pool and the job. The `@mxn/backend-azure-batch/settings` subpath: it imports zod
 * only, so a program can validate and describe these settings without loading the Batch SDK.
 *
 * Account, credentials and endpoints never go in the file: they come from the environment
 * (`azureBatchBackendFromEnv`). A setting in the file wins over its environment variable.
 */
import { z } from 'zod';

export const azureBatchSettingsSchema = z
  .strictObject({
    pool: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a Batch pool id has at most 64 letters, digits, "-" and "_"')
      .optional()
      .describe('Azure Batch: pool to create or reuse. Default: MXN_BATCH_POOL, else mxn.'),
    autoPool: z
      .boolean()
      .optional()
      .describe("Azure Batch: run on a pool made for this run's job and deleted with it, instead of a named pool. Default false."),
    vmSize: z.string().min(1).optional().describe("Azure Batch: VM size of the pool's nodes. Default standard_d2s_v3."),
    maxNodes: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Azure Batch: most nodes the pool scales to (it scales from zero). Default: concurrency ÷ taskSlotsPerNode, rounded up.'),
    taskSlotsPerNode: z.number().int().min(1).max(256).optional().describe('Azure Batch: cells running at once on one node. Default 1.'),
    spot: z.boolean().optional().describe('Azure Batch: use spot (low-priority) nodes instead of dedicated ones. Default false.'),
    workingDirectory: z
      .enum(['image', 'task'])
      .optional()
      .describe("Azure Batch: run the command in the image's WORKDIR (image, default) or the task's folder on the node (task)."),
  })
  .refine((settings) => !(settings.autoPool === true && settings.pool !== undefined), {
    message: 'autoPool: true runs on a pool of its own; remove pool (or autoPool)',
    path: ['autoPool'],
  })
  .describe('Settings of the azure-batch backend.');

/** The azure-batch settings of an experiment, as parsed. */
export type AzureBatchSettings = z.output<typeof azureBatchSettingsSchema>;
