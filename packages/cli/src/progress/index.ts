export { createProgress } from './progress.js';
