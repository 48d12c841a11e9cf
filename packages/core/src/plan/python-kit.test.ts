import { describe, expect, it } from 'vitest';
import { requiresModelKit } from './python-kit.js';

describe('requiresModelKit', () => {
  it('recognises the requirement lines that name the Python kit', () => {
    for (const line of [
      'mxn-model-kit',
      'mxn_model_kit',
      'MXN-Model-Kit==0.1.0',
      'mxn-model-kit >= 0.1',
      'mxn-model-kit @ file:///src/python',
      'mxn-model-kit[parquet]==1',
      'mxn.model.kit ; python_version >= "3.10"',
      '  mxn-model-kit  # ours\n',
    ]) {
      expect(requiresModelKit(line), line).toBe(true);
    }
    for (const line of ['mxn-model-kit2', 'mxn-model-kit-extra==1', '# mxn-model-kit', 'numpy', '-r mxn-model-kit.txt', ''])
      expect(requiresModelKit(line), line).toBe(false);
  });

  it('recognises every way a requirement line names the kit, and nothing else', () => {
    for (const line of [
      'mxn-model-kit',
      'mxn_model_kit',
      'MXN.Model_Kit==0.1.0',
      'mxn-model-kit>=0.1; python_version >= "3.9"',
      'mxn-model-kit @ git+https://github.com/org/repo#subdirectory=python',
      '-e git+https://github.com/org/repo#egg=mxn_model_kit&subdirectory=python',
    ]) {
      expect(requiresModelKit(line), line).toBe(true);
    }
    for (const line of ['mxn-model-kits', 'pandas==2.3.3', 'git+https://github.com/org/mxn-model-kit', 'mxn'])
      expect(requiresModelKit(line), line).toBe(false);
  });
});
