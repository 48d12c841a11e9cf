// An e2e project with the tests' docker-registry and the emulators, started before a describe block's tests and
// stopped after them (the setup `mxn build --push` tests share).
import { startEmulators, startRegistry, type EmulatorsHandle, type RegistryHandle, type StartEmulatorsOptions } from '@mxn/testkit';
import { afterAll, beforeAll } from 'vitest';
import { e2eProject, type E2eProject } from './project.js';

export interface RegistryProject {
  project: E2eProject;
  registry: RegistryHandle;
  emulators: EmulatorsHandle;
}

/** Registers the describe block's hooks; the answer is filled in before its tests run. */
export function useRegistryProject(emulatorOptions: (registry: RegistryHandle) => StartEmulatorsOptions): RegistryProject {
  const setup = {} as RegistryProject;
  beforeAll(async () => {
    setup.project = await e2eProject();
    setup.registry = await startRegistry();
    setup.emulators = await startEmulators(emulatorOptions(setup.registry));
  }, 120_000);
  afterAll(async () => {
    await setup.emulators?.stop();
    await setup.registry?.stop();
  });
  return setup;
}
