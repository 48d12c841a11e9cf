/**
 * The VM image of a pool's nodes. Without `compute.image`, mxn asks the account which images Batch
 * supports (List Supported Images, `GET /supportedimages`, once per backend) and takes a verified
 * Linux image that runs containers (capability `DockerCompatible`) whose announced end of Batch
 * support is furthest away (an image without an announced date only when no dated one is left: its
 * end is unknown, not "never"). When the list cannot be read (no permission, an error) it takes
 * microsoft-dsvm/ubuntu-hpc/2404 with `batch.node.ubuntu 24.04`, the container-capable image Azure
 * names as the successor of the retired ubuntu-server-container, and says so in one line. An Arm64
 * VM size needs an Arm64 image: without one in the list, `compute.image` must name it. An image or
 * node agent at or within 90 days of its end of support (chosen, given or already in the pool) gets
 * a warning with the date. Every date is compared with the backend's clock (`now`).
 */
import type { BatchServiceModels } from '@azure/batch';
import { BackendError } from '@mxn/core';
import { batchErrorText, type BatchClient } from './client.js';

type SupportedImage = BatchServiceModels.ImageInformation;

/** A Marketplace image reference and the node agent SKU Batch runs on it. */
export interface NodeImage {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
  nodeAgentSKUId: string;
}

/** What the account's list of supported images gave: the Linux entries, or why it could not be read. */
export type SupportedImages = { images: SupportedImage[] } | { error: string };

export interface NodeImageChoice {
  image: NodeImage;
  /** When Batch stops creating pools with it, when the service's list says so. */
  endOfLife?: Date;
  /** The account's list of supported images was read and has the image (so no date means none announced). */
  listed: boolean;
  /** `service`: chosen from the account's list; `setting`: `compute.image`; `fallback`: the list gave nothing usable. */
  source: 'service' | 'setting' | 'fallback';
  /** `note: …` / `warning: …` lines about the choice. */
  notes: string[];
}

/** The image used when the account's supported images cannot be read. */
export const FALLBACK_IMAGE: NodeImage = {
  publisher: 'microsoft-dsvm',
  offer: 'ubuntu-hpc',
  sku: '2404',
  version: 'latest',
  nodeAgentSKUId: 'batch.node.ubuntu 24.04',
};

/** An image this close to its end of support (or past it) gets a warning. */
const WARN_DAYS = 90;
const DAY_MS = 86_400_000;
/** The filter sent with List Supported Images (`osType`, `verificationType` and `nodeAgentSKUId` are the documented properties). */
const SUPPORTED_IMAGES_FILTER = "osType eq 'linux'";
/**
 * How long the reads that say what a run will run on (the supported images, the named pool) may take
 * together, so that an unreachable account cannot stall `mxn plan`: after it, the images are "not
 * listed" (the fallback is used) and the pool is described as unknown.
 */
export const LOOKUP_BUDGET_MS = 5000;

/** `publisher/offer/sku[@version]` → its parts (version `latest` when absent). */
export function parseNodeImage(text: string): Omit<NodeImage, 'nodeAgentSKUId'> {
  const [reference = '', version = 'latest'] = text.trim().split('@');
  const [publisher = '', offer = '', sku = ''] = reference.split('/');
  if (!publisher || !offer || !sku || reference.split('/').length !== 3)
    throw new BackendError(`azure-batch: node image "${text}" is not publisher/offer/sku[@version]`, { code: 'Config' });
  return { publisher, offer, sku, version };
}

/** `publisher/offer/sku`, with `@version` unless it is `latest`. */
export function formatNodeImage(image: Pick<NodeImage, 'publisher' | 'offer' | 'sku'> & { version?: string | undefined }): string {
  const version = image.version && image.version !== 'latest' ? `@${image.version}` : '';
  return `${image.publisher}/${image.offer}/${image.sku}${version}`;
}

/** `publisher/offer/sku (node agent)`. */
export function imageLabel(image: NodeImage): string {
  return `${formatNodeImage(image)} (${image.nodeAgentSKUId})`;
}

/** A pool's image as `imageLabel` gives it, or `publisher/offer/sku` when the pool names no node agent. */
export function poolImageLabel(image: PoolImage): string {
  return image.nodeAgentSKUId ? imageLabel(image as NodeImage) : formatNodeImage(image);
}

/** Why a lookup gave nothing: LOOKUP_BUDGET_MS passed without an answer. */
export const NO_ANSWER = `no answer within ${LOOKUP_BUDGET_MS / 1000} s`;

/**
 * Every Linux image the account supports (all pages), or why they could not be listed: the service's
 * error (the last one, when `signal` ends the retries), or `no answer within 5 s`. Never throws.
 */
export async function listSupportedImages(
  client: BatchClient,
  signal: AbortSignal = AbortSignal.timeout(LOOKUP_BUDGET_MS),
): Promise<SupportedImages> {
  // The SDK's AbortSignalLike predates the DOM typings of Node's AbortSignal; ms-rest-js only listens for `abort`.
  const abortSignal = signal as never;
  try {
    const images: SupportedImage[] = [];
    let page = await client.account.listSupportedImages({
      accountListSupportedImagesOptions: { filter: SUPPORTED_IMAGES_FILTER },
      abortSignal,
    });
    images.push(...page);
    while (page.odatanextLink) {
      page = await client.account.listSupportedImagesNext(page.odatanextLink, { abortSignal });
      images.push(...page);
    }
    return { images };
  } catch (error) {
    return { error: lookupErrorText(error, signal) };
  }
}

/** A failed lookup's error: `no answer within 5 s` when the budget ended it before any answer, else the error itself. */
export function lookupErrorText(error: unknown, signal: AbortSignal): string {
  const e = error as { name?: string; code?: string; message?: string };
  const aborted = e?.name === 'AbortError' || e?.code === 'REQUEST_ABORTED_ERROR' || /\baborted\b/i.test(e?.message ?? '');
  return signal.aborted && aborted ? NO_ANSWER : batchErrorText(error);
}

const sameText = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
const isArmImage = (image: SupportedImage) =>
  /arm64|aarch64/i.test(`${image.imageReference.offer} ${image.imageReference.sku} ${image.nodeAgentSKUId}`);
const isContainerCapable = (image: SupportedImage) => (image.capabilities ?? []).some((c) => sameText(c, 'DockerCompatible'));
/** An entry mxn can create a pool from: a Marketplace reference in full and a node agent (gallery-only entries are not). */
const isComplete = (image: SupportedImage) =>
  Boolean(image.imageReference?.publisher && image.imageReference.offer && image.imageReference.sku && image.nodeAgentSKUId);
/** The number a sku starts with (`2404`, `2404-arm64` → 2404), for ties; a sku without one (`server`) ranks last. */
const skuNumber = (image: SupportedImage) => Number(/^\d+(?:\.\d+)?/.exec(image.imageReference.sku ?? '')?.[0] ?? -1);
/** microsoft-dsvm/ubuntu-hpc (any sku): Azure's container-capable successor of ubuntu-server-container. */
const isPreferredOffer = (image: SupportedImage) =>
  sameText(image.imageReference.publisher, FALLBACK_IMAGE.publisher) && sameText(image.imageReference.offer, FALLBACK_IMAGE.offer);

/** The service's dates arrive as Date (SDK mapper) or, for fields it does not map, as strings. */
function toDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The image mxn takes from the account's list: complete (publisher, offer, sku and node agent),
 * verified, Linux, `DockerCompatible`, still supported at `now`, for the VM size's architecture (arm64
 * images only for Arm sizes), with the furthest announced end of support. An image without an
 * announced date is taken only when no dated one is left: a missing date means the end is unknown
 * (not yet announced, or a stale entry), not that support never ends, so a dated image is the safer
 * bet. Ties go to microsoft-dsvm/ubuntu-hpc, then to the highest sku (compared as numbers: 2404 > 2204).
 */
export function pickNodeImage(images: SupportedImage[], options: { vmSize: string; now: Date }): SupportedImage | undefined {
  const now = options.now.getTime();
  const arm = isArmVmSize(options.vmSize);
  const candidates = images.filter(
    (image) =>
      isComplete(image) &&
      sameText(image.verificationType, 'verified') &&
      sameText(image.osType, 'linux') &&
      isContainerCapable(image) &&
      isArmImage(image) === arm &&
      (toDate(image.batchSupportEndOfLife)?.getTime() ?? Number.POSITIVE_INFINITY) > now,
  );
  const dated = candidates.filter((image) => toDate(image.batchSupportEndOfLife) !== undefined);
  const pool = dated.length > 0 ? dated : candidates;
  const endOf = (image: SupportedImage) => toDate(image.batchSupportEndOfLife)?.getTime() ?? 0;
  pool.sort(
    (a, b) =>
      endOf(b) - endOf(a) ||
      Number(isPreferredOffer(b)) - Number(isPreferredOffer(a)) ||
      skuNumber(b) - skuNumber(a) ||
      b.imageReference.sku!.localeCompare(a.imageReference.sku!, 'en', { numeric: true }) ||
      `${a.imageReference.publisher}/${a.imageReference.offer}`.localeCompare(`${b.imageReference.publisher}/${b.imageReference.offer}`),
  );
  return pool[0];
}

/** The list's entry for an image (publisher, offer and sku compared without case; a listed `latest` matches any version). */
function findListed(images: SupportedImage[], image: Omit<NodeImage, 'nodeAgentSKUId'>): SupportedImage | undefined {
  const matches = images.filter(
    (entry) =>
      sameText(entry.imageReference.publisher, image.publisher) &&
      sameText(entry.imageReference.offer, image.offer) &&
      sameText(entry.imageReference.sku, image.sku),
  );
  return (
    matches.find((entry) => sameText(entry.imageReference.version ?? 'latest', image.version)) ??
    matches.find((entry) => sameText(entry.imageReference.version ?? 'latest', 'latest'))
  );
}

/**
 * When Batch stops supporting a node agent: the latest end of life among the listed images that use
 * it; undefined when none is listed or one of them has no announced date.
 */
function agentEndOfLife(images: SupportedImage[], nodeAgentSKUId: string): Date | undefined {
  const dates = images
    .filter((entry) => sameText(entry.nodeAgentSKUId, nodeAgentSKUId))
    .map((entry) => toDate(entry.batchSupportEndOfLife));
  if (dates.length === 0 || dates.some((date) => date === undefined)) return undefined;
  return new Date(Math.max(...dates.map((date) => date!.getTime())));
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/** A warning when `endOfLife` has passed or is within 90 days of `now`. */
export function endOfLifeWarning(what: string, endOfLife: Date | undefined, now: Date): string | undefined {
  if (!endOfLife) return undefined;
  const left = endOfLife.getTime() - now.getTime();
  if (left <= 0)
    return (
      `warning: ${what} reached the end of its Batch support on ${day(endOfLife)}: ` +
      `Batch no longer creates pools with it and may not add nodes`
    );
  if (left <= WARN_DAYS * DAY_MS)
    return `warning: ${what}: Batch support ends on ${day(endOfLife)} ` + `(${daysLeft(left)}); Batch creates no pool with it after that`;
  return undefined;
}

/** `in 44 days`, `in 1 day`, `within a day`. */
function daysLeft(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  return days === 0 ? 'within a day' : `in ${days} day${days === 1 ? '' : 's'}`;
}

/**
 * `supported until 2029-05-31`, `support ended 2025-04-23`; without a date, `end of support not
 * announced` only when the account's list has the image without one, else `end of support unknown`
 * (the list could not be read, or does not have the image).
 */
export function supportText(choice: Pick<NodeImageChoice, 'endOfLife' | 'listed'>, now: Date): string {
  if (!choice.endOfLife) return choice.listed ? 'end of support not announced' : 'end of support unknown';
  return `${choice.endOfLife > now ? 'supported until' : 'support ended'} ${day(choice.endOfLife)}`;
}

/**
 * The pool's node image: `compute.image` (and `compute.nodeAgent`, else the agent the list gives for
 * it), else the best one in the account's list (`pickNodeImage`), else the fallback. Throws a
 * BackendError (`Config`) for a `compute.image` whose node agent cannot be known, and for an Arm64 VM
 * size without an Arm64 image in the list (the fallback is x86-64 only: `compute.image` must name one).
 */
export function chooseNodeImage(
  listed: SupportedImages,
  settings: { image?: string | undefined; nodeAgent?: string | undefined; vmSize: string },
  now: Date,
): NodeImageChoice {
  const images = 'images' in listed ? listed.images : undefined;
  if (settings.image !== undefined) {
    const wanted = parseNodeImage(settings.image);
    const entry = images && findListed(images, wanted);
    const nodeAgentSKUId =
      settings.nodeAgent ?? entry?.nodeAgentSKUId ?? (sameFallback(wanted) ? FALLBACK_IMAGE.nodeAgentSKUId : undefined);
    if (!nodeAgentSKUId) {
      const why = images
        ? 'it is not among the Linux images this Batch account supports'
        : `the account's supported images could not be listed (${'error' in listed ? listed.error : ''})`;
      throw new BackendError(`azure-batch: compute.image ${formatNodeImage(wanted)} needs compute.nodeAgent: ${why}`, { code: 'Config' });
    }
    const image = { ...wanted, nodeAgentSKUId };
    const endOfLife = toDate(entry?.batchSupportEndOfLife);
    const notes: string[] = [];
    const eol = endOfLifeWarning(`node image ${imageLabel(image)}`, endOfLife, now);
    if (eol) notes.push(eol);
    // An agent given by hand can be past its end even when the image is not (the service refuses the pool then).
    if (settings.nodeAgent !== undefined && images) {
      const agentEol = endOfLifeWarning(`node agent ${settings.nodeAgent}`, agentEndOfLife(images, settings.nodeAgent), now);
      if (agentEol) notes.push(agentEol);
    }
    if (images && !entry)
      notes.push(
        `warning: node image ${formatNodeImage(image)} is not among the Linux images this Batch account supports: ` +
          `creating the pool may fail`,
      );
    if (entry && !isContainerCapable(entry))
      notes.push(
        `warning: node image ${formatNodeImage(image)} is not DockerCompatible: ` +
          `mxn's cells run in containers, which need a container-capable image`,
      );
    return { image, ...(endOfLife ? { endOfLife } : {}), listed: entry !== undefined, source: 'setting', notes };
  }
  const arm = isArmVmSize(settings.vmSize);
  const best = images && pickNodeImage(images, { vmSize: settings.vmSize, now });
  if (best) {
    const image: NodeImage = {
      publisher: best.imageReference.publisher!,
      offer: best.imageReference.offer!,
      sku: best.imageReference.sku!,
      version: best.imageReference.version ?? 'latest',
      nodeAgentSKUId: best.nodeAgentSKUId,
    };
    const endOfLife = toDate(best.batchSupportEndOfLife);
    const eol = endOfLifeWarning(`node image ${imageLabel(image)}`, endOfLife, now);
    return { image, ...(endOfLife ? { endOfLife } : {}), listed: true, source: 'service', notes: eol ? [eol] : [] };
  }
  const why =
    'error' in listed
      ? `could not list the Batch account's supported images (${listed.error})`
      : `the Batch account lists no verified Linux DockerCompatible image still supported${arm ? ' for Arm64' : ''}`;
  if (arm)
    throw new BackendError(
      `azure-batch: vmSize ${settings.vmSize} is an Arm64 size, and ${'error' in listed ? `mxn ${why}` : why}: ` +
        'name an Arm64 node image in compute.image (and compute.nodeAgent)',
      { code: 'Config', hint: `mxn's fallback image, ${formatNodeImage(FALLBACK_IMAGE)}, is x86-64 only` },
    );
  const entry = images && findListed(images, FALLBACK_IMAGE);
  const endOfLife = toDate(entry?.batchSupportEndOfLife);
  const notes = [`note: ${why}; using ${imageLabel(FALLBACK_IMAGE)}`];
  const eol = endOfLifeWarning(`node image ${imageLabel(FALLBACK_IMAGE)}`, endOfLife, now);
  if (eol) notes.push(eol);
  return { image: FALLBACK_IMAGE, ...(endOfLife ? { endOfLife } : {}), listed: entry !== undefined, source: 'fallback', notes };
}

function sameFallback(image: Omit<NodeImage, 'nodeAgentSKUId'>): boolean {
  return (
    sameText(image.publisher, FALLBACK_IMAGE.publisher) &&
    sameText(image.offer, FALLBACK_IMAGE.offer) &&
    sameText(image.sku, FALLBACK_IMAGE.sku)
  );
}

/** A pool's node image as the pool's properties give it (the agent may be missing). */
export type PoolImage = Omit<NodeImage, 'nodeAgentSKUId'> & { nodeAgentSKUId?: string | undefined };

/** A node image (or its agent) past its Batch support end of life: its label and the date. */
export interface Retirement {
  label: string;
  endOfLife: Date;
}

/**
 * Whether Batch no longer supports a node image at `now`, per the account's list: the image's own end
 * of life, or its node agent's (the latest among the images that use it), whichever came first.
 * Undefined when both are still supported, or the list could not be read (then nothing is known).
 */
export function retirement(image: PoolImage, listed: SupportedImages, now: Date): Retirement | undefined {
  if (!('images' in listed)) return undefined;
  const ends = [
    toDate(findListed(listed.images, image)?.batchSupportEndOfLife),
    image.nodeAgentSKUId ? agentEndOfLife(listed.images, image.nodeAgentSKUId) : undefined,
  ].filter((date): date is Date => date !== undefined && date <= now);
  if (ends.length === 0) return undefined;
  return { label: poolImageLabel(image), endOfLife: new Date(Math.min(...ends.map((date) => date.getTime()))) };
}

/** `pool mxn runs <image>, past its Batch support end of life on 2025-04-23`. */
export function retiredPoolText(poolId: string, retired: Retirement): string {
  return `pool ${poolId} runs ${retired.label}, past its Batch support end of life on ${day(retired.endOfLife)}`;
}

/** What a run does with an existing pool on a retired image (see `RunPool.open`), as the hint and remedy say it. */
export const RETIRED_POOL_REMEDY = 'delete the pool (mxn recreates it) or name another compute.pool';

/**
 * Warnings about a pool that already exists (it is reused as it is, whatever the settings say): its
 * image past its end of support (the run replaces the pool when mxn created it and it has no nodes,
 * else fails), near it, or no longer in the account's list.
 */
export function existingPoolWarnings(
  poolId: string,
  image: PoolImage,
  listed: SupportedImages,
  now: Date,
  pool: { managed: boolean; nodes: number; replacement?: NodeImage | undefined } = { managed: false, nodes: 0 },
): string[] {
  if (!('images' in listed)) return [];
  const retired = retirement(image, listed, now);
  if (retired) {
    const replacement = pool.replacement && !retirement(pool.replacement, listed, now) ? pool.replacement : undefined;
    return [
      pool.managed && pool.nodes === 0 && replacement
        ? `warning: ${retiredPoolText(poolId, retired)}: mxn created it and it has no nodes, ` +
          `so the run deletes it and creates it again with ${imageLabel(replacement)}`
        : `warning: ${retiredPoolText(poolId, retired)}: the run fails; ${RETIRED_POOL_REMEDY}`,
    ];
  }
  const entry = findListed(listed.images, image);
  const label = `pool ${poolId}'s node image ${formatNodeImage(image)}`;
  const remedy = `delete pool ${poolId} so that mxn creates it again with a supported image`;
  if (!entry)
    return [`warning: ${label} is no longer among the images this Batch account supports: Batch may not add nodes to it; ${remedy}`];
  const eol = endOfLifeWarning(label, toDate(entry.batchSupportEndOfLife), now);
  return eol ? [`${eol}; ${remedy}`] : [];
}

/** Arm64 VM sizes have a `p` among the features after the core count (Standard_D2ps_v5, Standard_E4pds_v5, Standard_B2pls_v2). */
export function isArmVmSize(vmSize: string): boolean {
  return parseVmSize(vmSize)?.features.includes('p') ?? false;
}

interface VmSize {
  family: string;
  features: string;
  version: string;
}

/** `Standard_DS1_v2` → family `ds`, features ``, version `v2` (lower case); undefined when not of that shape. */
function parseVmSize(vmSize: string): VmSize | undefined {
  const [head = '', ...rest] = vmSize
    .toLowerCase()
    .replace(/^standard_/, '')
    .split('_');
  const match = /^([a-z]+)(\d+)(?:-\d+)?([a-z]*)$/.exec(head);
  if (!match) return undefined;
  return { family: match[1]!, features: match[3]!, version: rest.find((part) => /^v\d+$/.test(part)) ?? '' };
}

/**
 * The retiring VM family a size belongs to (Azure's retirement list for Batch: D, Ds, Dv2, Dsv2, Ls,
 * HBv2, HC and NP), or undefined. Standard_D2s_v3 (Dsv3) is not on it.
 */
export function retiringVmFamily(vmSize: string): string | undefined {
  const size = parseVmSize(vmSize);
  if (!size) return undefined;
  const { family, features, version } = size;
  if (family === 'd' && version === '') return 'D';
  if (family === 'ds' && version === '') return 'Ds';
  if (family === 'd' && version === 'v2') return 'Dv2';
  if (family === 'ds' && version === 'v2') return 'Dsv2';
  if (family === 'l' && features.includes('s') && version === '') return 'Ls';
  if (family === 'hb' && version === 'v2') return 'HBv2';
  if (family === 'hc' && version === '') return 'HC';
  if (family === 'np' && version === '') return 'NP';
  return undefined;
}

/** A warning for a VM size in a retiring family, else undefined. */
export function vmSizeWarning(vmSize: string): string | undefined {
  const family = retiringVmFamily(vmSize);
  return family
    ? `warning: vmSize ${vmSize} is in the ${family} family, ` +
        `which Azure is retiring for Batch: choose a current size (e.g. standard_d2s_v5)`
    : undefined;
}
