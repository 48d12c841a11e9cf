#!/usr/bin/env node
import { main } from './main.js';

// The AWS SDK warns on every run that its releases after January 2027 need Node.js 22; that is not
// the user's concern mid-run, so use the SDK's own switch (unless the user set it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
