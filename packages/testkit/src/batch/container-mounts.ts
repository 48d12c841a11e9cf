/**
 * Which node folders a container task gets, as a Linux Batch node mounts them: without
 * `containerSettings.containerHostBatchBindMounts`, all of `AZ_BATCH_NODE_ROOT_DIR` read-write; with it,
 * only the data paths it names (`ContainerHostDataPath`), each at the same path as on the host, read-only
 * where `isReadOnly` says so; an empty list mounts none. Names are matched case-insensitively, like every
 * enum of the service (the body was validated against the 2025-06-01 facts before this runs).
 */
import { join } from 'node:path';
import type { BindMountEntry } from './spec-types.js';

/** A host folder bind-mounted into the task's container at the same path. */
export interface ContainerMount {
  path: string;
  readOnly: boolean;
}

/** The folders of one task attempt on its node. */
export interface NodeFolders {
  nodeRoot: string;
  jobId: string;
  /** `AZ_BATCH_TASK_DIR`. */
  taskDir: string;
}

/** The host folder of each data path, under the node root (Azure's "Files and directories in Azure Batch"). */
function dataPath(source: string, folders: NodeFolders): string {
  const { nodeRoot } = folders;
  switch (source.toLowerCase()) {
    case 'shared':
      return join(nodeRoot, 'shared');
    case 'startup':
      return join(nodeRoot, 'startup');
    case 'vfsmounts':
      return join(nodeRoot, 'fsmounts');
    case 'jobprep':
      return join(nodeRoot, 'workitems', folders.jobId, 'job-1', 'jobpreparation');
    case 'applications':
      return join(nodeRoot, 'applications');
    default:
      return folders.taskDir; // 'task'
  }
}

/** The mounts of a container task with `entries` (undefined: the setting is absent). */
export function containerMounts(entries: BindMountEntry[] | undefined, folders: NodeFolders): ContainerMount[] {
  if (entries === undefined) return [{ path: folders.nodeRoot, readOnly: false }];
  return entries
    .filter((entry) => entry.source !== undefined)
    .map((entry) => ({ path: dataPath(entry.source!, folders), readOnly: entry.isReadOnly === true }));
}
