/**
 * The `aws-batch` settings an experiment file may give under `compute` (with `backend: aws-batch`):
 * the queue and the shape of each job. The `@mxn/backend-aws-batch/settings` subpath: it imports zod
 * only, so a program can validate and describe these settings without loading the AWS SDK.
 *
 * Credentials, the region and endpoints never go in the file: they come from the AWS default chain,
 * `AWS_REGION` and `AWS_ENDPOINT_URL_BATCH` (`awsBatchBackendFromEnv`). A setting in the file wins over its variable.
 */
import { z } from 'zod';

/** An AWS Batch job queue or compute environment name (ARNs are accepted too). */
const NAME = /^(arn:aws[a-z-]*:batch:[^\s]+|[A-Za-z0-9][A-Za-z0-9_-]{0,127})$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

const managedSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,119}$/, 'a compute environment name has at most 120 letters, digits, "-" and "_"')
      .default('mxn')
      .describe('AWS Batch: name of the compute environment and job queue mxn creates (the queue is <name>-queue). Default mxn.'),
    type: z
      .enum(['EC2', 'SPOT', 'FARGATE', 'FARGATE_SPOT'])
      .default('EC2')
      .describe('AWS Batch: what the compute environment provisions. Default EC2.'),
    maxvCpus: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('AWS Batch: most vCPUs the compute environment scales to (from zero). Default: concurrency × vcpus.'),
    instanceTypes: z.array(z.string().min(1)).min(1).optional().describe('AWS Batch (EC2, SPOT): instance types. Default optimal.'),
    subnets: z.array(z.string().min(1)).min(1).describe('AWS Batch: subnets of the compute environment.'),
    securityGroupIds: z.array(z.string().min(1)).optional().describe('AWS Batch: security groups of the compute environment.'),
    instanceRole: z.string().min(1).optional().describe('AWS Batch (EC2, SPOT): the instance profile of the instances (ecsInstanceRole).'),
  })
  .describe(
    'AWS Batch: create (or reuse) a managed compute environment with minvCpus 0, so nothing runs while idle, and a queue for it, ' +
      'instead of using an existing queue.',
  );

/** The aws-batch keys of `compute` (zod): queue or managed compute environment, resources per cell, roles. */
export const awsBatchSettingsSchema = z
  .strictObject({
    queue: z
      .string()
      .regex(NAME, 'a job queue is a name of up to 128 letters, digits, "-" and "_", or its ARN')
      .optional()
      .describe('AWS Batch: the job queue cells run on. Default: MXN_AWS_BATCH_QUEUE.'),
    managed: managedSchema.optional(),
    vcpus: z.number().positive().max(256).optional().describe('AWS Batch: vCPUs of each cell (VCPU resource requirement). Default 1.'),
    memory: z
      .number()
      .int()
      .min(4)
      .optional()
      .describe('AWS Batch: memory of each cell in MiB (MEMORY resource requirement). Default 2048.'),
    gpus: z.number().int().min(1).max(64).optional().describe('AWS Batch: GPUs of each cell (GPU resource requirement). Default none.'),
    jobRoleArn: z
      .string()
      .regex(ROLE_ARN, 'a role is arn:aws:iam::<account>:role/<name>')
      .optional()
      .describe('AWS Batch: IAM role the cells run as. Default none: cells reach only the presigned URLs mxn gives them.'),
    executionRoleArn: z
      .string()
      .regex(ROLE_ARN, 'a role is arn:aws:iam::<account>:role/<name>')
      .optional()
      .describe('AWS Batch: execution role (Fargate pulls images and writes logs with it).'),
  })
  .refine((settings) => !(settings.managed && settings.queue), {
    message: 'managed: creates a queue of its own; remove queue (or managed)',
    path: ['managed'],
  })
  .describe('Settings of the aws-batch backend.');

/** The aws-batch settings of an experiment, as parsed. */
export type AwsBatchSettings = z.output<typeof awsBatchSettingsSchema>;
