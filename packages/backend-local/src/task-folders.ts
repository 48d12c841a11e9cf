import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TaskSpec } from '@mxn/core';
import type { Store } from '@mxn/storage';
import { downloadPrefix, syncFolderToPrefix } from './store-transfer.js';

/** The folders a task's process sees as MXN_INPUT_DIR and MXN_OUTPUT_DIR, and how they meet the staging store. */
export interface TaskFolders {
  /** Absolute paths. */
  readonly inputDir: string;
  readonly outputDir: string;
  /** Before each attempt: inputs in place, output folder empty. */
  prepare(signal: AbortSignal): Promise<void>;
  /** After an attempt that ran: its outputs reach the task's output prefix. */
  publish(): Promise<void>;
  /** Once the task is over: temporary folders removed. */
  dispose(): Promise<void>;
}

export interface FolderSettings {
  tempDir: string;
  transferConcurrency: number;
}

/**
 * A store on this machine's disk is used in place: the task reads its input prefix's folder and
 * writes its output prefix's folder. Any other store is mirrored through temporary folders: the
 * inputs are downloaded once, and the output folder is uploaded after every attempt.
 */
export async function taskFolders(store: Store, task: TaskSpec, settings: FolderSettings): Promise<TaskFolders> {
  if (store.localPath) return localFolders(store.localPath(task.inputPrefix), store.localPath(task.outputPrefix));
  const root = await mkdtemp(path.join(settings.tempDir, 'mxn-task-'));
  return mirroredFolders(store, task, root, settings.transferConcurrency);
}

function localFolders(inputDir: string, outputDir: string): TaskFolders {
  return {
    inputDir,
    outputDir,
    async prepare() {
      await rm(outputDir, { recursive: true, force: true });
      await Promise.all([mkdir(outputDir, { recursive: true }), mkdir(inputDir, { recursive: true })]);
    },
    async publish() {},
    async dispose() {},
  };
}

function mirroredFolders(store: Store, task: TaskSpec, root: string, concurrency: number): TaskFolders {
  const inputDir = path.join(root, 'input');
  const outputDir = path.join(root, 'output');
  let downloaded = false;
  return {
    inputDir,
    outputDir,
    async prepare(signal) {
      if (!downloaded) {
        await rm(inputDir, { recursive: true, force: true });
        await mkdir(inputDir, { recursive: true });
        await downloadPrefix(store, task.inputPrefix, inputDir, concurrency, signal);
        downloaded = !signal.aborted;
      }
      await rm(outputDir, { recursive: true, force: true });
      await mkdir(outputDir, { recursive: true });
    },
    publish: () => syncFolderToPrefix(outputDir, store, task.outputPrefix, concurrency),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}
