
        const fs = require('node:fs');
        const net = require('node:net');
        const found = { labels: fs.existsSync("/tmp/mxn-tests-5qE6qc/mxn-e2e-rFOcE6/.mxn/labels"), environ: [] };
        for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
          try { found.environ.push(fs.readFileSync('/proc/' + pid + '/environ', 'utf8').replace(/\0/g, ' ')); } catch {}
        }
        try { fs.writeFileSync(process.env.MXN_INPUT_DIR + '/planted', 'x'); found.inputWritable = true; } catch { found.inputWritable = false; }
        const socket = net.connect(39713, '127.0.0.1');
        socket.setTimeout(3000, () => socket.destroy(new Error('timeout')));
        socket.on('data', () => { found.network = true; done(); });
        socket.on('error', (error) => { found.network = false; found.networkError = error.code || error.message; done(); });
        function done() { console.error('FOUND ' + JSON.stringify(found)); process.exit(3); }