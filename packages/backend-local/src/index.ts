export { localBackend } from './local-backend.js';
export type { LocalBackendOptions } from './options.js';
