/**
 * The arguments of `docker create` / `podman create` for one attempt: the task protocol at fixed
 * paths, and nothing of this machine but the task's own folders. The runtime then starts it
 * (`start --attach`), so a container exists by name before its time starts, and a timeout or a
 * cancel can always find it to stop and remove it.
 */
import { TASK_ENV } from '@mxn/model-kit';

/** Where a task's folders appear inside its container. */
const CONTAINER_PATHS = { input: '/mxn/input', output: '/mxn/output', task: '/mxn/task' } as const;

export interface ContainerRunRequest {
  image: string;
  /** Container name (unique per attempt), used to stop it. */
  name: string;
  command: string[];
  /** Folders on this machine: mounted read-only and read-write. */
  inputDir: string;
  outputDir: string;
  /** Protocol variables of the task (not the folders, which are set here). */
  env: Record<string, string>;
  /** Give the container the host's network (`compute.network: true`). Default: none. */
  network: boolean;
  /** `task`: run in an empty task folder instead of the image's WORKDIR (`compute.workingDirectory`). */
  workingDirectory: 'image' | 'task';
  labels: Record<string, string>;
}

export function containerCreateArgs(request: ContainerRunRequest): string[] {
  const args = ['create', '--rm', '--init', '--name', request.name, '--network', request.network ? 'host' : 'none'];
  args.push('--cap-drop', 'ALL', '--security-opt', 'no-new-privileges');
  for (const [key, value] of Object.entries(request.labels)) args.push('--label', `${key}=${value}`);
  args.push('--mount', mountSpec({ type: 'bind', source: request.inputDir, target: CONTAINER_PATHS.input, readonly: true }));
  args.push('--mount', mountSpec({ type: 'bind', source: request.outputDir, target: CONTAINER_PATHS.output }));
  if (request.workingDirectory === 'task')
    args.push('--mount', mountSpec({ type: 'tmpfs', target: CONTAINER_PATHS.task }), '--workdir', CONTAINER_PATHS.task);
  const env = { ...request.env, [TASK_ENV.inputDir]: CONTAINER_PATHS.input, [TASK_ENV.outputDir]: CONTAINER_PATHS.output };
  for (const [key, value] of Object.entries(env)) args.push('--env', `${key}=${value}`);
  args.push(request.image, ...request.command);
  return args;
}

/** A `--mount` value; fields holding a comma or a quote are quoted as CSV, as the engine parses them. */
function mountSpec(mount: { type: 'bind' | 'tmpfs'; source?: string; target: string; readonly?: boolean }): string {
  const fields = [`type=${mount.type}`];
  if (mount.source !== undefined) fields.push(`source=${mount.source}`);
  fields.push(`target=${mount.target}`);
  if (mount.readonly) fields.push('readonly');
  return fields.map((field) => (/[",\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(',');
}
