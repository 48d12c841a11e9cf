
      const fs = require('node:fs');
      fs.writeFileSync('model.pkl', 'weights ' + Date.now());
      fs.mkdirSync('__pycache__', { recursive: true });
      fs.writeFileSync('__pycache__/train.cpython-311.pyc', String(Math.random()));
      process.exit(1);