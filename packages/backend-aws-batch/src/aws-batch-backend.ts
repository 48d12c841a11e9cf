/** `awsBatchBackend(options)`: the Backend that runs a run's cells as AWS Batch array jobs, and its fan-in after them. */
import { ListJobsCommand, type BatchClient } from '@aws-sdk/client-batch';
import { BackendError, type Backend } from '@mxn/core';
import { MxnError } from '@mxn/errors';
import { awsErrorText, createBatchClient } from './client.js';
import { runTag } from './names.js';
import type { AwsBatchBackendOptions } from './options.js';
import { openQueue, queueExists, queueName } from './queue.js';
import { runOnAwsBatch, terminate, type RunReport } from './run-on-aws-batch.js';

/**
 * The aws-batch Backend: every run's cells as array jobs (one per image and 10,000 cells), its aggregate as a job that
 * depends on them; re-attaches by job name, cancels with TerminateJob.
 */
export function awsBatchBackend(options: AwsBatchBackendOptions & { onReport?: (report: RunReport) => void }): Backend {
  let client: BatchClient | undefined;
  const getClient = () => (client ??= createBatchClient(options));
  const fail = (error: unknown): never => {
    if (error instanceof MxnError) throw error;
    throw new BackendError(`aws-batch: ${awsErrorText(error)}`);
  };
  return {
    name: 'aws-batch',
    runtime: 'container',
    capabilities: { reattach: true, containers: true },
    async run(spec, runOptions = {}) {
      try {
        return await runOnAwsBatch(getClient(), options, spec, runOptions, options.onReport);
      } catch (error) {
        return fail(error);
      }
    },
    /**
     * Terminates every unfinished job of the run (its array jobs' children with them), found by name in the queue.
     * Only looks things up: a managed compute environment or queue is never created or resized here.
     */
    async cancel(runId) {
      try {
        const batch = getClient();
        const queue = queueName(options);
        // A managed queue that does not exist yet never ran anything.
        if (options.managed && !(await queueExists(batch, queue))) return;
        const ids: string[] = [];
        let nextToken: string | undefined;
        do {
          const page = await batch.send(
            new ListJobsCommand({
              jobQueue: queue,
              filters: [{ name: 'JOB_NAME', values: [`${runTag(runId)}-g*`] }],
              ...(nextToken ? { nextToken } : {}),
            }),
          );
          for (const job of page.jobSummaryList ?? [])
            if (job.jobId && !['SUCCEEDED', 'FAILED'].includes(job.status ?? '')) ids.push(job.jobId);
          nextToken = page.nextToken;
        } while (nextToken);
        await terminate(batch, ids, 'cancelled by mxn cancel');
      } catch (error) {
        fail(error);
      }
    },
    defaultStagingUri: () => options.defaultStaging ?? process.env.MXN_STAGING,
    /** The queue the run uses and what it runs on, without creating anything. */
    async describe() {
      if (options.managed) {
        const m = options.managed;
        return [
          `managed compute environment ${m.name ?? 'mxn'} (${m.type ?? 'EC2'}, minvCpus 0, ` +
            `maxvCpus ${m.maxvCpus ?? 'concurrency × vcpus'}), queue ${m.name ?? 'mxn'}-queue`,
        ];
      }
      if (!options.queue) return ['warning: no job queue: set compute.queue or MXN_AWS_BATCH_QUEUE'];
      try {
        const found = await openQueue(getClient(), options, 1);
        return [
          `queue ${found.queue}: ${found.platform}${found.maxvCpus !== undefined ? `, at most ${found.maxvCpus} vCPUs` : ''}; ` +
            `${options.vcpus ?? 1} vCPU, ${options.memory ?? 2048} MiB per cell`,
        ];
      } catch (error) {
        return [`warning: ${error instanceof MxnError ? error.message.replace(/^backend: /, '') : awsErrorText(error)}`];
      }
    },
  };
}
