
      const fs = require('node:fs');
      const rows = require('node:fs').readdirSync(process.env.MXN_INPUT_DIR);
      fs.writeFileSync(process.env.MXN_OUTPUT_DIR + '/seen.txt', rows.join(','));
      process.exit(0);