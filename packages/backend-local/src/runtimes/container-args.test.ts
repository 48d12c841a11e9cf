import { describe, expect, it } from 'vitest';
import { containerCreateArgs, type ContainerRunRequest } from './container-args.js';

const request: ContainerRunRequest = {
  image: 'mxn/ridge:0123456789ab',
  name: 'mxn-abc-1-ff00aa',
  command: ['node', 'train.js'],
  inputDir: '/work/p/.mxn/inputs/k1',
  outputDir: '/work/p/.mxn/cells/k2/output',
  env: { MXN_CELL_ID: 'ridge@seoul', MXN_PARAMS: '{"alpha":1}' },
  network: false,
  workingDirectory: 'image',
  labels: { 'mxn.run': 'r1' },
};

/** The values of every `flag` in `args`. */
const values = (args: string[], flag: string) => args.flatMap((arg, index) => (arg === flag ? [args[index + 1]!] : []));

describe('containerCreateArgs', () => {
  it('mounts only the task folders (inputs read-only), at the protocol paths, with no network', () => {
    const args = containerCreateArgs(request);
    expect(args.slice(0, 2)).toEqual(['create', '--rm']);
    expect(values(args, '--mount')).toEqual([
      'type=bind,source=/work/p/.mxn/inputs/k1,target=/mxn/input,readonly',
      'type=bind,source=/work/p/.mxn/cells/k2/output,target=/mxn/output',
    ]);
    expect(values(args, '--network')).toEqual(['none']);
    expect(args).not.toContain('--volume');
    expect(args).not.toContain('-v');
    expect(args).not.toContain('--privileged');
    expect(values(args, '--cap-drop')).toEqual(['ALL']);
  });

  it('passes the protocol variables and nothing else, and runs the command in the image (its WORKDIR)', () => {
    const args = containerCreateArgs(request);
    expect(values(args, '--env')).toEqual([
      'MXN_CELL_ID=ridge@seoul',
      'MXN_PARAMS={"alpha":1}',
      'MXN_INPUT_DIR=/mxn/input',
      'MXN_OUTPUT_DIR=/mxn/output',
    ]);
    expect(args).not.toContain('--workdir');
    expect(args.slice(-3)).toEqual(['mxn/ridge:0123456789ab', 'node', 'train.js']);
  });

  it("opts into the host network and a task folder as working directory, and keeps the image's user", () => {
    const args = containerCreateArgs({ ...request, network: true, workingDirectory: 'task' });
    expect(values(args, '--network')).toEqual(['host']);
    expect(values(args, '--workdir')).toEqual(['/mxn/task']);
    expect(values(args, '--mount')).toContain('type=tmpfs,target=/mxn/task');
    expect(args).not.toContain('--user');
  });

  it('quotes mount fields holding a comma or a quote, as the engine parses them', () => {
    const [input] = values(containerCreateArgs({ ...request, inputDir: '/data/a,b "c"' }), '--mount');
    expect(input).toBe('type=bind,"source=/data/a,b ""c""",target=/mxn/input,readonly');
  });
});
