#!/usr/bin/env node
import { main } from './main.js';

// The AWS SDK warns on every run that its future releases need a newer Node.js; that is not the
// user's concern mid-run. Every other warning is still printed.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'NodeVersionSupportWarning') console.error(`warning: ${warning.message}`);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
