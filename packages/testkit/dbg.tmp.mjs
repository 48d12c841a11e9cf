import { startS3 } from '@mxn/testkit';
import { s3Store } from '@mxn/storage';
const s3 = await startS3();
const sdk = await import('@aws-sdk/client-s3');
const orig = sdk.S3Client.prototype.send;
sdk.S3Client.prototype.send = async function (cmd, ...rest) { try { const r = await orig.call(this, cmd, ...rest); console.log(cmd.constructor.name, 'ok'); return r; } catch (e) { console.log(cmd.constructor.name, JSON.stringify(cmd.input).slice(0,200), e.name); throw e; } };
const store = await s3Store({ uri: 's3://mxn/p', endpoint: s3.endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, partSize: 5*1024*1024 });
try { await store.write('big/blob.bin', Buffer.alloc(5*1024*1024+10)); } catch (e) { console.log(e.message); }
await s3.stop();
