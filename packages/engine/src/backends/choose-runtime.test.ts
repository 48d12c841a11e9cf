import { describe, expect, it } from 'vitest';
import type { ContainerEngine } from '@mxn/images';
import { chooseRuntime } from './choose-runtime.js';

const engine: ContainerEngine = { command: 'docker', kind: 'docker', version: '20.10.24', buildx: false };
const answers = async () => engine;
const silent = async () => undefined;

describe('chooseRuntime', () => {
  it('takes a container when an engine answers and nothing was asked, without a note', async () => {
    expect(await chooseRuntime({ untrusted: false, detect: answers })).toEqual({ runtime: 'container', engine });
  });

  it('falls back to processes with a one-line note when no engine answers', async () => {
    const choice = await chooseRuntime({ untrusted: false, detect: silent });
    expect(choice.runtime).toBe('process');
    expect(choice.note).toMatch(/^note: no container engine answers .*--runtime process/);
    expect(choice.note).not.toContain('\n');
  });

  it('refuses a requested container runtime without an engine, with a hint', async () => {
    await expect(chooseRuntime({ requested: 'container', untrusted: false, detect: silent })).rejects.toMatchObject({
      code: 'Usage',
      hint: expect.stringMatching(/--runtime process/),
    });
  });

  it('uses processes when asked, without asking for an engine', async () => {
    let asked = false;
    const choice = await chooseRuntime({
      requested: 'process',
      untrusted: false,
      detect: async () => {
        asked = true;
        return engine;
      },
    });
    expect(choice).toEqual({ runtime: 'process' });
    expect(asked).toBe(false);
  });

  it('never runs untrusted code as a process: asked for, or as the fallback', async () => {
    await expect(chooseRuntime({ requested: 'process', untrusted: true, detect: answers })).rejects.toThrow(
      /fork never runs in the process runtime/,
    );
    await expect(chooseRuntime({ untrusted: true, detect: silent })).rejects.toMatchObject({
      code: 'Usage',
      hint: expect.stringMatching(/container runtime only/),
    });
    expect(await chooseRuntime({ untrusted: true, detect: answers })).toEqual({ runtime: 'container', engine });
  });
});
