/**
 * Entry of the Azurite child process: exits when the parent (the test process) disconnects,
 * so no emulator outlives the tests that started it, then runs Azurite's blob service.
 */
process.on('disconnect', () => process.exit(0));
// Test data lives in memory or a temporary folder, so there is nothing to flush: stop at once.
process.on('SIGTERM', () => process.exit(0));
// @ts-expect-error Azurite ships no types for its entry point.
await import('azurite/dist/src/blob/main.js');
