/**
 * The `local` settings an experiment file may give under `compute` (with `backend: local`, the
 * default). The `@mxn/backend-local/settings` subpath: it imports zod and @mxn/core only, never a
 * container engine, so a program can validate and describe these settings without them.
 */
import { RUNTIMES } from '@mxn/core';
import { z } from 'zod';

export const localSettingsSchema = z
  .strictObject({
    runtime: z
      .enum(RUNTIMES)
      .optional()
      .describe(
        "Local backend: run each cell in its model's image through Docker or Podman (container), " +
          'or as a process on this machine for trusted code (process). ' +
          'Default: MXN_RUNTIME, else container when an engine answers, else process; --runtime overrides it.',
      ),
    network: z
      .boolean()
      .optional()
      .describe('Local backend, container runtime: give cells network access. Default false: cells run with no network.'),
    workingDirectory: z
      .enum(['image', 'task'])
      .optional()
      .describe("Local backend, container runtime: run in the image's WORKDIR (image, default) or an empty task folder (task)."),
  })
  .describe('Settings of the local backend.');

/** The local settings of an experiment, as parsed. */
export type LocalSettings = z.output<typeof localSettingsSchema>;
