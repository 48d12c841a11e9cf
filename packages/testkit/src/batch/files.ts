/**
 * Moves a task's files like a Batch node: downloads `resourceFiles` (an `httpUrl`, or every blob of a
 * `storageContainerUrl` under `blobPrefix`, listed through the SAS) and uploads `outputFiles` with plain
 * Blob REST PUTs (`x-ms-blob-type: BlockBlob`), so SAS permissions are exercised for real.
 */
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { OutputFile, ResourceFile } from './spec-types.js';

/** A file transfer that failed; `code` is the failureInfo code the service reports. */
export class TaskFileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function withQuery(containerUrl: string, extra: Record<string, string>): string {
  const u = new URL(containerUrl);
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  return u.toString();
}

function blobUrl(containerUrl: string, blobName: string): string {
  const u = new URL(containerUrl);
  u.pathname = `${u.pathname.replace(/\/$/, '')}/${blobName.split('/').map(encodeURIComponent).join('/')}`;
  return u.toString();
}

/** Lists blob names in a container through its SAS URL (follows NextMarker). */
async function listBlobs(containerUrl: string, prefix: string | undefined): Promise<string[]> {
  const names: string[] = [];
  let marker = '';
  do {
    const url = withQuery(containerUrl, {
      restype: 'container',
      comp: 'list',
      ...(prefix ? { prefix } : {}),
      ...(marker ? { marker } : {}),
    });
    const res = await fetch(url, { headers: { 'x-ms-version': '2021-12-02' } });
    const text = await res.text();
    if (!res.ok) throw new TaskFileError('ResourceContainerAccessDenied', `Listing the resource container failed with HTTP ${res.status}.`);
    for (const m of text.matchAll(/<Blob>[\s\S]*?<Name>([^<]*)<\/Name>/g)) names.push(decodeXml(m[1]!));
    marker = decodeXml(/<NextMarker>([^<]*)<\/NextMarker>/.exec(text)?.[1] ?? '');
  } while (marker);
  return names;
}

const decodeXml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

async function download(url: string, target: string): Promise<void> {
  const res = await fetch(url, { headers: { 'x-ms-version': '2021-12-02' } });
  if (!res.ok) throw new TaskFileError('BlobDownloadMiscError', `Downloading a resource file failed with HTTP ${res.status}.`);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, Buffer.from(await res.arrayBuffer()));
}

function inside(root: string, path: string): string {
  const full = resolve(root, path);
  if (full !== root && !full.startsWith(root + sep))
    throw new TaskFileError('InvalidResourceFilePath', `Resource file path ${path} leaves the task directory.`);
  return full;
}

/** Downloads the task's resource files into `workDir` (Batch's task working directory). */
export async function downloadResourceFiles(resourceFiles: ResourceFile[] | undefined, workDir: string): Promise<void> {
  for (const rf of resourceFiles ?? []) {
    if (rf.httpUrl) {
      const name = rf.filePath ?? new URL(rf.httpUrl).pathname.split('/').pop()!;
      await download(rf.httpUrl, inside(workDir, name));
    } else if (rf.storageContainerUrl) {
      const base = rf.filePath ? inside(workDir, rf.filePath) : workDir;
      for (const name of await listBlobs(rf.storageContainerUrl, rf.blobPrefix)) {
        await download(blobUrl(rf.storageContainerUrl, name), inside(base, name));
      }
    } else {
      throw new TaskFileError(
        'AutoStorageNotSupported',
        'The loopback Batch service has no auto-storage account (use storageContainerUrl or httpUrl).',
      );
    }
  }
}

/** Turns a Batch file pattern (`*`, `**`, `?`, `[abc]`, `[!a-c]`) into a RegExp over `/`-separated paths. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:[^/.][^/]*/)*';
      } else re += '(?:[^/.][^/]*/)*[^/.][^/]*';
    } else if (c === '*') re += i === 0 || pattern[i - 1] === '/' ? '(?:[^/.][^/]*)?' : '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let set = pattern.slice(i + 1, end);
      if (set.startsWith('!')) set = `^${set.slice(1)}`;
      re += `[${set.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

const expandEnv = (s: string, env: Record<string, string>): string => s.replace(/\$\{?(\w+)\}?/g, (m, name: string) => env[name] ?? m);

/** Files matched by an output file pattern: `[absolute path, path relative to the pattern's fixed base]`. */
async function matchPattern(pattern: string, workDir: string, env: Record<string, string> = {}): Promise<[string, string][]> {
  const expanded = expandEnv(pattern, env);
  const full = isAbsolute(expanded) ? expanded : resolve(workDir, expanded);
  const parts = full.split('/');
  const firstWild = parts.findIndex((p) => /[*?[]/.test(p));
  if (firstWild < 0) {
    try {
      if (!(await stat(full)).isFile()) return [];
      return [[full, parts[parts.length - 1]!]];
    } catch {
      return [];
    }
  }
  const base = parts.slice(0, firstWild).join('/') || '/';
  const re = globToRegExp(parts.slice(firstWild).join('/'));
  return (await walk(base)).map((f): [string, string] => [f, relative(base, f).split(sep).join('/')]).filter(([, rel]) => re.test(rel));
}

/** Whether an output file's `uploadCondition` applies to a task that ended with `succeeded`. */
function shouldUpload(condition: string | undefined, succeeded: boolean): boolean {
  const c = (condition ?? 'taskSuccess').toLowerCase();
  return c === 'taskcompletion' || (c === 'tasksuccess' ? succeeded : !succeeded);
}

/** Uploads the task's output files for a task that ended with `succeeded`; returns the blob URLs written (without SAS). */
export async function uploadOutputFiles(
  outputFiles: OutputFile[] | undefined,
  workDir: string,
  succeeded: boolean,
  env: Record<string, string>,
): Promise<string[]> {
  const written: string[] = [];
  for (const of of outputFiles ?? []) {
    if (!shouldUpload(of.uploadOptions?.uploadCondition, succeeded)) continue;
    const container = of.destination?.container;
    if (!container?.containerUrl) throw new TaskFileError('FileUploadMiscError', 'Only container destinations are supported.');
    const wild = /[*?[]/.test(of.filePattern);
    const headers: Record<string, string> = { 'x-ms-blob-type': 'BlockBlob', 'x-ms-version': '2021-12-02' };
    for (const h of container.uploadHeaders ?? []) headers[h.name] = h.value ?? '';
    for (const [file, rel] of await matchPattern(of.filePattern, workDir, env)) {
      const prefix = (container.path ?? '').replace(/\/$/, '');
      const name = wild ? (prefix ? `${prefix}/${rel}` : rel) : prefix || rel;
      const url = blobUrl(container.containerUrl, name);
      const body = await readFile(file);
      const res = await fetch(url, { method: 'PUT', headers: { ...headers, 'content-length': String(body.length) }, body });
      await res.arrayBuffer();
      if (!res.ok) throw new TaskFileError('FileUploadMiscError', `Uploading ${rel} failed with HTTP ${res.status}.`);
      written.push(url.split('?')[0]!);
    }
  }
  return written;
}
