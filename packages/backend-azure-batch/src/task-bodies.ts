/**
 * Batch task bodies for cells and the aggregate. Every task runs its command through a small
 * `/bin/sh` wrapper that sets the task-protocol folders (absolute, under the task folder, since the
 * container may run in the image's WORKDIR), starts with an empty output folder, and records the
 * exit code in `exit_code` (uploaded next to the output prefix as `<outputPrefix>.exit_code`).
 */
import type { BatchServiceModels } from '@azure/batch';
import { BackendError, type TaskSpec } from '@mxn/core';
import { shCommandLine, shellQuote } from './shell.js';
import type { StagingSas } from './staging-sas.js';

/** A `ContainerHostBatchBindMountEntry` (2025-06-01): a Batch data path mounted into a task's container. */
interface BindMountEntry {
  source: 'Shared' | 'Startup' | 'VfsMounts' | 'Task' | 'JobPrep' | 'Applications';
  isReadOnly?: boolean;
}

/**
 * A task body in the 2025-06-01 REST shape. The SDK's (2022-10-01) `TaskContainerSettings` has no
 * `containerHostBatchBindMounts` and its serializer would drop it; add-collection sends these bodies as JSON.
 */
export type TaskBody = Omit<BatchServiceModels.TaskAddParameter, 'containerSettings'> & {
  containerSettings?: BatchServiceModels.TaskContainerSettings & { containerHostBatchBindMounts?: BindMountEntry[] };
};

export interface TaskBodySettings {
  /** The container URLs and blob names (cells' input URLs are passed to `cellTaskBody` on their own). */
  sas: Pick<StagingSas, 'readUrl' | 'writeUrl' | 'blobName'>;
  image: string;
  /** `containerImageDefault` (the image's WORKDIR) or `taskWorkingDirectory`. */
  workingDirectory: 'containerImageDefault' | 'taskWorkingDirectory';
  retries: number;
  timeoutMs: number;
}

/** Key of the blob that holds a task's exit code: a sibling of its output prefix. */
export const exitCodeKey = (outputPrefix: string): string => `${outputPrefix.replace(/\/$/, '')}.exit_code`;
/** Key of the aggregate's cell list (`<id>\t<blob prefix>` lines): a sibling of its input prefix. */
export const cellListKey = (inputPrefix: string): string => `${inputPrefix.replace(/\/$/, '')}.cells.tsv`;

/** `inputDir`: where the task's resource files put its inputs, relative to the task working directory. */
const PROLOGUE = (inputDir: string) => [
  'W="$AZ_BATCH_TASK_WORKING_DIR"',
  `export MXN_INPUT_DIR="$W/"${shellQuote(inputDir)}`,
  'export MXN_OUTPUT_DIR="$W/out"',
  'rm -rf "$MXN_OUTPUT_DIR" "$W/exit_code"',
  'mkdir -p "$MXN_INPUT_DIR" "$MXN_OUTPUT_DIR"',
];
const EPILOGUE = ['c=$?', 'echo "$c" > "$W/exit_code"', 'exit "$c"'];

/** Moves each downloaded cell folder to `cells/<id>/` (with its `exit_code`) and resolves `pending` statuses in manifest.json. */
const AGGREGATE_LAYOUT = (cellList: string) => [
  'D="$W/dl"',
  'mkdir -p "$MXN_INPUT_DIR/cells"',
  `if [ -f "$W/meta/"${shellQuote(cellList)} ]; then`,
  `  while IFS='\t' read -r id src; do`,
  '    if [ -d "$D/$src" ]; then mv "$D/$src" "$MXN_INPUT_DIR/cells/$id"; else mkdir -p "$MXN_INPUT_DIR/cells/$id"; fi',
  '    if [ -f "$D/$src.exit_code" ]; then cp "$D/$src.exit_code" "$MXN_INPUT_DIR/cells/$id/exit_code"; fi',
  `  done < "$W/meta/"${shellQuote(cellList)}`,
  'fi',
  'M="$MXN_INPUT_DIR/manifest.json"',
  'if [ -f "$M" ]; then',
  '  while IFS= read -r line; do',
  '    case "$line" in',
  `      *'"status":"pending"'*)`,
  `        id=\${line#*'"id":"'}; id=\${id%%'"'*}`,
  '        s=failed; x=',
  '        if [ -f "$MXN_INPUT_DIR/cells/$id/exit_code" ]; then read -r x < "$MXN_INPUT_DIR/cells/$id/exit_code"; fi',
  '        if [ "$x" = 0 ]; then s=succeeded; fi',
  `        pre=\${line%%'"status":"pending"'*}; post=\${line#*'"status":"pending"'}`,
  `        line=$pre'"status":"'$s'"'$post`,
  '        ;;',
  '    esac',
  `    printf '%s\\n' "$line"`,
  '  done < "$M" > "$M.tmp" && mv "$M.tmp" "$M"',
  'fi',
];

function outputFiles(sas: TaskBodySettings['sas'], outputPrefix: string): BatchServiceModels.OutputFile[] {
  const base = sas.blobName(outputPrefix);
  const upload = { uploadCondition: 'taskcompletion' as const };
  const to = (path: string) => ({ container: { containerUrl: sas.writeUrl, path } });
  return [
    { filePattern: 'out/**/*', destination: to(base), uploadOptions: upload },
    { filePattern: '../stdout.txt', destination: to(`${base}/stdout.txt`), uploadOptions: upload },
    { filePattern: '../stderr.txt', destination: to(`${base}/stderr.txt`), uploadOptions: upload },
    { filePattern: 'exit_code', destination: to(sas.blobName(exitCodeKey(outputPrefix))), uploadOptions: upload },
  ];
}

function common(task: TaskSpec, settings: TaskBodySettings, script: string[]): Omit<TaskBody, 'id'> {
  return {
    displayName: task.id,
    commandLine: shCommandLine(script.join('\n')),
    containerSettings: {
      imageName: settings.image,
      workingDirectory: settings.workingDirectory,
      // Only the task's own folder (AZ_BATCH_TASK_DIR), not all of AZ_BATCH_NODE_ROOT_DIR: a cell cannot
      // see or change the folders of other tasks on its node. Read-write, for its working directory.
      containerHostBatchBindMounts: [{ source: 'Task', isReadOnly: false }],
    },
    environmentSettings: Object.entries(task.env).map(([name, value]) => ({ name, value })),
    outputFiles: outputFiles(settings.sas, task.outputPrefix),
    constraints: {
      maxTaskRetryCount: settings.retries,
      ...(settings.timeoutMs > 0 ? { maxWallClockTime: isoDuration(settings.timeoutMs) } : {}),
    },
  };
}

/** Folder (under the task working directory) a cell's input files go to; its MXN_INPUT_DIR. */
export const CELL_INPUT_DIR = 'in';

/**
 * The body of cell task `batchId` (an integer id; the cell id is its displayName). `inputFiles` are
 * the cell's own input blobs as read-only per-blob URLs into `CELL_INPUT_DIR` (`StagingSas.inputFiles`).
 */
export function cellTaskBody(
  batchId: number,
  task: TaskSpec,
  settings: TaskBodySettings,
  inputFiles: BatchServiceModels.ResourceFile[] = [],
): TaskBody {
  return {
    id: String(batchId),
    ...common(task, settings, [...PROLOGUE(CELL_INPUT_DIR), task.command.map(shellQuote).join(' '), ...EPILOGUE]),
    ...(inputFiles.length > 0 ? { resourceFiles: inputFiles } : {}),
    // A failed cell still satisfies the aggregate's dependency, so the fan-in always runs.
    exitConditions: {
      default: { dependencyAction: 'satisfy' },
      preProcessingError: { dependencyAction: 'satisfy' },
      fileUploadError: { dependencyAction: 'satisfy' },
    },
  };
}

/** Most bytes of per-cell resource files in the aggregate body before it downloads one shared prefix instead. */
const MAX_CELL_RESOURCE_BYTES = 600_000;

/**
 * The aggregate's body: depends on tasks 1..cellCount, downloads its input prefix (manifest.json),
 * its cell list, and every cell's output prefix (with the `.exit_code` sibling), then lays them out
 * as `cells/<id>/` before its command runs. It is the one task given the container read+list SAS:
 * the cells' outputs do not exist when it is submitted, so they cannot be signed one by one.
 */
export function aggregateTaskBody(task: TaskSpec, cellCount: number, cellOutputPrefixes: string[], settings: TaskBodySettings): TaskBody {
  const input = settings.sas.blobName(task.inputPrefix);
  const cellList = settings.sas.blobName(cellListKey(task.inputPrefix));
  const read = settings.sas.readUrl;
  if (!read) throw new BackendError('azure-batch: the aggregate needs the container read URL (stagingSas with containerRead)');
  let cells: BatchServiceModels.ResourceFile[] = cellOutputPrefixes.map((prefix) => ({
    storageContainerUrl: read,
    blobPrefix: settings.sas.blobName(prefix),
    filePath: 'dl',
  }));
  if (JSON.stringify(cells).length > MAX_CELL_RESOURCE_BYTES) {
    cells = [
      {
        storageContainerUrl: read,
        blobPrefix: commonFolder(cellOutputPrefixes.map((prefix) => settings.sas.blobName(prefix))),
        filePath: 'dl',
      },
    ];
  }
  return {
    id: 'aggregate',
    ...common(task, { ...settings, retries: settings.retries }, [
      ...PROLOGUE(`in/${input}`),
      ...AGGREGATE_LAYOUT(cellList),
      task.command.map(shellQuote).join(' '),
      ...EPILOGUE,
    ]),
    resourceFiles: [
      { storageContainerUrl: read, blobPrefix: `${input}/`, filePath: 'in' },
      { storageContainerUrl: read, blobPrefix: cellList, filePath: 'meta' },
      ...cells,
    ],
    ...(cellCount > 0 ? { dependsOn: { taskIdRanges: [{ start: 1, end: cellCount }] } } : {}),
  };
}

/** The longest common folder of blob names (`a/b/` of `a/b/c` and `a/b/d`). */
export function commonFolder(names: string[]): string {
  if (names.length === 0) return '';
  const split = names.map((name) => name.split('/'));
  const first = split[0]!;
  let n = 0;
  while (n < first.length - 1 && split.every((parts) => parts[n] === first[n])) n++;
  return n === 0 ? '' : `${first.slice(0, n).join('/')}/`;
}

/** ms → ISO 8601 duration (`PT90S`, `PT1.5S`). */
export function isoDuration(ms: number): string {
  return `PT${Number((ms / 1000).toFixed(3))}S`;
}
