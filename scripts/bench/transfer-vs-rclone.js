// S3 ⇄ Blob transfer: `mxn sync` (the storage package's copy()) against rclone 1.60 from Debian,
// both as separate processes on the same emulators (s3rver, Azurite behind the testkit's Put Block
// From URL shim, which stands in for the Blob service), at the same concurrency. rclone streams every
// byte through itself; mxn goes S3 → Blob server-side (the "service" pulls from presigned S3 URLs) and
// streams Blob → S3. Median of REPEATS runs per case; the destination is emptied before each run.
// Sizes are overridable for a quick check, e.g.
//   MXN_BENCH_BIG_MIB=16 MXN_BENCH_SMALL_COUNT=20 MXN_BENCH_REPEATS=1 node scripts/bench.js transfer
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { azureBlobStore, s3Store } from '@mxn/storage';
import { startEmulators } from '@mxn/testkit';
import { heading, median, timeCommand } from './util.js';

const MiB = 1024 * 1024;
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const BIG_MIB = num('MXN_BENCH_BIG_MIB', 256);
const SMALL_COUNT = num('MXN_BENCH_SMALL_COUNT', 200);
const SMALL_MIB = num('MXN_BENCH_SMALL_MIB', 1);
const REPEATS = num('MXN_BENCH_REPEATS', 3);
/**
 * Objects at once (mxn --concurrency, rclone --transfers). Per object, both stream S3 parts 4 × 8 MiB;
 * Blob blocks are 8 MiB with 16 in flight for rclone's uploads and mxn's server-side Put Block From URL.
 * The emulators (s3rver and the shim in this process, Azurite in its own) never share an event loop
 * with either measured tool: both run as child processes.
 */
const CONCURRENCY = num('MXN_BENCH_CONCURRENCY', 8);
const RCLONE = process.env.MXN_BENCH_RCLONE ?? '/usr/bin/rclone';
const RCLONE_TIMEOUT_MS = num('MXN_BENCH_RCLONE_TIMEOUT_MS', 30_000);
const ACCOUNT = 'devstoreaccount1';

const mib = (bytes) => bytes / MiB;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

export async function benchTransfer({ mxnBin = path.resolve('packages/cli/dist/bin.js') } = {}) {
  heading(
    `(e) S3 ⇄ Blob: mxn sync vs rclone (baseline), 1 × ${BIG_MIB} MiB and ` +
      `${SMALL_COUNT} × ${SMALL_MIB} MiB, concurrency ${CONCURRENCY}, median of ${REPEATS}`,
  );
  let rcloneVersion;
  try {
    rcloneVersion = execFileSync(RCLONE, ['version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    console.log(`rclone not found at ${RCLONE} (apt-get install rclone): only mxn's own throughput is measured`);
  }

  // Azurite on disk: its in-memory store frees deleted blobs' extents only later, and runs delete a lot.
  const emu = await startEmulators({ batch: false, azurite: { inMemory: false } });
  const work = await mkdtemp(path.join(tmpdir(), 'mxn-bench-transfer-'));
  try {
    const { BlobServiceClient } = await import('@azure/storage-blob');
    await BlobServiceClient.fromConnectionString(emu.blob.connectionString).getContainerClient('mxn').create();
    const credentials = { accessKeyId: emu.s3.accessKeyId, secretAccessKey: emu.s3.secretAccessKey };
    const s3 = (prefix) => s3Store({ uri: `s3://mxn/${prefix}`, endpoint: emu.s3.endpoint, region: emu.s3.region, credentials });
    const blob = (prefix) => azureBlobStore({ uri: `az://${ACCOUNT}/mxn/${prefix}`, connectionString: emu.blob.connectionString });

    // Both tools see the same endpoints: the CLI through the standard variables, rclone through its own.
    // AWS_CA_BUNDLE (set on some machines) makes rclone's S3 client refuse its transport: drop it.
    const { AWS_CA_BUNDLE: _ignored, ...base } = process.env;
    const mxnEnv = { ...base, ...emu.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const rcloneEnv = {
      ...base,
      RCLONE_CONFIG_S3_TYPE: 's3',
      RCLONE_CONFIG_S3_PROVIDER: 'Other',
      RCLONE_CONFIG_S3_ENDPOINT: emu.s3.endpoint,
      RCLONE_CONFIG_S3_ACCESS_KEY_ID: emu.s3.accessKeyId,
      RCLONE_CONFIG_S3_SECRET_ACCESS_KEY: emu.s3.secretAccessKey,
      RCLONE_CONFIG_S3_REGION: emu.s3.region,
      RCLONE_CONFIG_S3_FORCE_PATH_STYLE: 'true',
      RCLONE_CONFIG_AZ_TYPE: 'azureblob',
      // rclone 1.60 builds https://<account>.<endpoint> from account+key+endpoint; with use_emulator the
      // endpoint is taken as the full account URL (and the well-known emulator account and key are used).
      RCLONE_CONFIG_AZ_USE_EMULATOR: 'true',
      RCLONE_CONFIG_AZ_ENDPOINT: emu.blob.blobEndpoint,
    };

    // Sources: the same bytes in S3 and in Blob.
    await mkdir(path.join(work, 'big'));
    await writeFile(path.join(work, 'big', 'big.bin'), randomBytes(BIG_MIB * MiB));
    await mkdir(path.join(work, 'many'));
    for (let i = 0; i < SMALL_COUNT; i++)
      await writeFile(path.join(work, 'many', `f${String(i).padStart(4, '0')}.bin`), randomBytes(SMALL_MIB * MiB));
    const mxn = (...args) =>
      timeCommand(process.execPath, [mxnBin, 'sync', ...args, '--concurrency', String(CONCURRENCY), '--json'], { env: mxnEnv });
    for (const set of ['big', 'many']) {
      for (const [from, to] of [
        [`${path.join(work, set)}/`, `s3://mxn/src/${set}/`],
        [`s3://mxn/src/${set}/`, `az://${ACCOUNT}/mxn/src/${set}/`],
      ]) {
        const ran = await mxn(from, to);
        if (ran.code !== 0) throw new Error(`bench: staging the sources failed: ${ran.stderr.slice(-1000)}`);
      }
    }
    await rm(work, { recursive: true, force: true });

    async function empty(store) {
      const keys = [];
      for await (const info of store.list()) keys.push(info.key);
      for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((key) => store.delete(key)));
    }

    const rows = [];
    const traffic = [];
    const stalls = [];
    for (const set of ['big', 'many']) {
      const bytes = set === 'big' ? BIG_MIB * MiB : SMALL_COUNT * SMALL_MIB * MiB;
      const label = set === 'big' ? `1 × ${BIG_MIB} MiB` : `${SMALL_COUNT} × ${SMALL_MIB} MiB`;
      for (const direction of ['s3-to-blob', 'blob-to-s3']) {
        const toBlob = direction === 's3-to-blob';
        const source = {
          mxn: toBlob ? `s3://mxn/src/${set}/` : `az://${ACCOUNT}/mxn/src/${set}/`,
          rclone: toBlob ? `s3:mxn/src/${set}` : `az:mxn/src/${set}`,
        };
        const times = { mxn: [], copy: [], rclone: [] };
        const runnerBytes = [];
        for (let r = 0; r < REPEATS; r++) {
          // mxn
          const target = `dst/mxn-${set}-${direction}`;
          await empty(await (toBlob ? blob(target) : s3(target)));
          emu.blob.resetStats();
          const s3Before = emu.s3.traffic();
          const ran = await mxn(source.mxn, toBlob ? `az://${ACCOUNT}/mxn/${target}/` : `s3://mxn/${target}/`);
          if (ran.code !== 0) throw new Error(`bench: mxn sync failed: ${ran.stderr.slice(-1000)}`);
          const summary = JSON.parse(ran.stdout);
          if (summary.copied !== (set === 'big' ? 1 : SMALL_COUNT))
            throw new Error(`bench: mxn copied ${summary.copied} objects, skipped ${summary.skipped}`);
          times.mxn.push(ran.ms);
          times.copy.push(summary.elapsedMs);
          if (toBlob) {
            const stats = emu.blob.stats();
            const fromS3 = emu.s3.traffic().bytesOut - s3Before.bytesOut - stats.bytesPulled;
            runnerBytes.push({ pulled: stats.bytesPulled, fromS3, toBlob: stats.clientBytesIn, serverSide: summary.serverSide });
          }
          // rclone
          if (!rcloneVersion) continue;
          const rtarget = `dst/rclone-${set}-${direction}`;
          await empty(await (toBlob ? blob(rtarget) : s3(rtarget)));
          const args = [
            'copy',
            source.rclone,
            toBlob ? `az:mxn/${rtarget}` : `s3:mxn/${rtarget}`,
            '--transfers',
            String(CONCURRENCY),
            '--checkers',
            String(CONCURRENCY),
          ];
          args.push('--s3-chunk-size', '8M', '--s3-upload-concurrency', '4', '--azureblob-chunk-size', '8M', '-q', '--retries', '1');
          // rclone 1.60's Azure chunk writer (azure-storage-blob-go) sometimes stalls for good on a stream;
          // such a run is killed after RCLONE_TIMEOUT_MS and left out of the median, and counted.
          const rc = await timeCommand(RCLONE, args, { env: rcloneEnv, timeout: RCLONE_TIMEOUT_MS, killSignal: 'SIGKILL' });
          if (rc.code === null) stalls.push(`${direction} ${set}`);
          else if (rc.code !== 0) throw new Error(`bench: rclone failed (${rc.code}): ${rc.stderr.slice(-1000)}`);
          else times.rclone.push(rc.ms);
        }
        const mxnRate = mib(bytes) / (median(times.mxn) / 1000);
        const rcloneRate = times.rclone.length ? mib(bytes) / (median(times.rclone) / 1000) : undefined;
        rows.push({
          case: `${toBlob ? 'S3 → Blob' : 'Blob → S3'} ${label}`,
          mxn: mxnRate,
          copyOnly: mib(bytes) / (median(times.copy) / 1000),
          rclone: rcloneRate,
          ratio: rcloneRate ? mxnRate / rcloneRate : undefined,
        });
        if (runnerBytes.length) {
          const last = runnerBytes[runnerBytes.length - 1];
          traffic.push({ case: `S3 → Blob ${label}`, bytes, ...last });
        }
      }
    }

    console.log(
      `baseline: ${rcloneVersion ?? 'none'} (streams through the client; same endpoints; ` +
        `--transfers ${CONCURRENCY}, 8 MiB chunks; S3 parts 4 at once, Blob blocks at rclone's default 16)`,
    );
    console.log('throughput = bytes / wall time of the whole process (mxn: node start + SDK load included; in brackets copy() alone)');
    console.log('| case | mxn MiB/s | rclone MiB/s | mxn / rclone |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const row of rows)
      console.log(
        `| ${row.case} | ${row.mxn.toFixed(1)} (${row.copyOnly.toFixed(1)}) ` +
          `| ${row.rclone?.toFixed(1) ?? '–'} | ${row.ratio?.toFixed(2) ?? '–'} |`,
      );
    if (stalls.length)
      console.log(
        `rclone runs that stalled and were killed after ${RCLONE_TIMEOUT_MS / 1000} s (left out of the medians): ${stalls.join(', ')}`,
      );
    console.log('server-side S3 → Blob, bytes through the runner (mxn; rclone moves every byte twice: in from S3, out to Blob):');
    for (const t of traffic) {
      console.log(
        `  ${t.case}: ${t.serverSide} objects server-side; ` +
          `the Blob service (shim) pulled ${mib(t.pulled).toFixed(1)} MiB of ${mib(t.bytes).toFixed(1)} MiB; ` +
          `the runner received ${kib(t.fromS3)} from S3 and sent ${kib(t.toBlob)} to Blob (requests, listings, block lists)`,
      );
    }
    return { rows, traffic, stalls };
  } finally {
    await emu.stop();
    await rm(work, { recursive: true, force: true });
  }
}

// Run on its own: node scripts/bench/transfer-vs-rclone.js
if (import.meta.url === `file://${process.argv[1]}`) await benchTransfer();
