export { localBackend } from './local-backend.js';
export type { LocalBackendOptions } from './options.js';
export { localSettingsSchema, type LocalSettings } from './settings.js';
export { ensurePythonEnv, pythonKitDir, type PythonEnv, type PythonEnvOptions } from './python-env.js';
