/**
 * The `azure-batch` settings an experiment file may give under `compute` (with `backend: azure-batch`):
 * the shape of the pool and the job. The `@mxn/backend-azure-batch/settings` subpath: it imports zod
 * only, so a program can validate and describe these settings without loading the Batch SDK.
 *
 * Account, credentials and endpoints never go in the file: they come from the environment
 * (`azureBatchBackendFromEnv`). A setting in the file wins over its environment variable.
 */
import { z } from 'zod';

/** `publisher/offer/sku` or `publisher/offer/sku@version` (a Marketplace image reference). */
const NODE_IMAGE = /^[^/@\s]+\/[^/@\s]+\/[^/@\s]+(@[^/@\s]+)?$/;

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
    vmSize: z
      .string()
      .min(1)
      .optional()
      .describe("Azure Batch: VM size of the pool's nodes. Default standard_d2s_v3. A size in a family Azure is retiring gets a warning."),
    image: z
      .string()
      .regex(NODE_IMAGE, 'a node image is publisher/offer/sku or publisher/offer/sku@version, e.g. microsoft-dsvm/ubuntu-hpc/2404')
      .optional()
      .describe(
        "Azure Batch: the VM image of the pool's nodes (not a model's container image), as publisher/offer/sku[@version], " +
          'e.g. microsoft-dsvm/ubuntu-hpc/2404. Default: the verified Linux container-capable image with the latest ' +
          "end of support in the account's supported images. One at or near its end of support gets a warning.",
      ),
    nodeAgent: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Azure Batch: the node agent SKU of image, e.g. 'batch.node.ubuntu 24.04'. " +
          "Default: the one the account's supported images give for image.",
      ),
    maxNodes: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Azure Batch: most nodes the pool scales to (it scales from zero). Default: concurrency ÷ taskSlotsPerNode, rounded up.'),
    taskSlotsPerNode: z.number().int().min(1).max(256).optional().describe('Azure Batch: cells running at once on one node. Default 1.'),
    spot: z
      .boolean()
      .optional()
      .describe(
        "Azure Batch: Spot nodes instead of dedicated ones (Batch's low-priority node counts now allocate Spot VMs). Default false.",
      ),
    workingDirectory: z
      .enum(['image', 'task'])
      .optional()
      .describe("Azure Batch: run the command in the image's WORKDIR (image, default) or the task's folder on the node (task)."),
  })
  .refine((settings) => !(settings.autoPool === true && settings.pool !== undefined), {
    message: 'autoPool: true runs on a pool of its own; remove pool (or autoPool)',
    path: ['autoPool'],
  })
  .refine((settings) => settings.nodeAgent === undefined || settings.image !== undefined, {
    message: 'nodeAgent goes with image (the node agent of that image); without image, mxn chooses both',
    path: ['nodeAgent'],
  })
  .describe('Settings of the azure-batch backend.');

/** The azure-batch settings of an experiment, as parsed. */
export type AzureBatchSettings = z.output<typeof azureBatchSettingsSchema>;
