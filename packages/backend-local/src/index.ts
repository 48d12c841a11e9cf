export { localBackend } from './local-backend.js';
export type { LocalBackendOptions } from './options.js';
export { ensurePythonEnv, pythonKitDir, type PythonEnv, type PythonEnvOptions } from './python-env.js';
