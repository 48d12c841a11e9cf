/**
 * The VM image of a pool's nodes. Without `compute.image`, mxn asks the account which images Batch
 * supports (List Supported Images, `GET /supportedimages`, once per backend) and takes a verified
 * Linux image that runs containers (capability `DockerCompatible`) whose end of Batch support is
 * furthest away (none announced is best). When the list cannot be read (no permission, an error) it
 * takes microsoft-dsvm/ubuntu-hpc/2404 with `batch.node.ubuntu 24.04`, the container-capable image
 * Azure names as the successor of the retired ubuntu-server-container, and says so in one line. An
 * image at or within 90 days of its end of support (chosen, given or already in the pool) gets a
 * warning with the date.
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
const LIST_TIMEOUT_MS = 30_000;

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

/** Every Linux image the account supports (all pages), or why they could not be listed. Never throws. */
export async function listSupportedImages(client: BatchClient): Promise<SupportedImages> {
  const signal = AbortSignal.timeout(LIST_TIMEOUT_MS);
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
    return { error: signal.aborted ? `no answer within ${LIST_TIMEOUT_MS / 1000} s` : batchErrorText(error) };
  }
}

const sameText = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
const isArmImage = (image: SupportedImage) =>
  /arm64|aarch64/i.test(`${image.imageReference.offer} ${image.imageReference.sku} ${image.nodeAgentSKUId}`);
const isContainerCapable = (image: SupportedImage) => (image.capabilities ?? []).some((c) => sameText(c, 'DockerCompatible'));
const endOf = (image: SupportedImage) => toDate(image.batchSupportEndOfLife)?.getTime() ?? Number.POSITIVE_INFINITY;
const isFallback = (image: SupportedImage) =>
  sameText(image.imageReference.publisher, FALLBACK_IMAGE.publisher) &&
  sameText(image.imageReference.offer, FALLBACK_IMAGE.offer) &&
  sameText(image.imageReference.sku, FALLBACK_IMAGE.sku);

/** The service's dates arrive as Date (SDK mapper) or, for fields it does not map, as strings. */
function toDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The image mxn takes from the account's list: verified, Linux, `DockerCompatible`, still supported at
 * `now`, for the VM size's architecture (arm64 images only for Arm sizes), with the furthest end of
 * support (none announced is best); ties go to microsoft-dsvm/ubuntu-hpc/2404, then the highest sku.
 */
export function pickNodeImage(images: SupportedImage[], options: { vmSize: string; now?: Date }): SupportedImage | undefined {
  const now = (options.now ?? new Date()).getTime();
  const arm = isArmVmSize(options.vmSize);
  const candidates = images.filter(
    (image) =>
      sameText(image.verificationType, 'verified') &&
      sameText(image.osType, 'linux') &&
      isContainerCapable(image) &&
      isArmImage(image) === arm &&
      endOf(image) > now,
  );
  candidates.sort(
    (a, b) =>
      endOf(b) - endOf(a) ||
      Number(isFallback(b)) - Number(isFallback(a)) ||
      b.imageReference.sku!.localeCompare(a.imageReference.sku!, 'en', { numeric: true }) ||
      `${a.imageReference.publisher}/${a.imageReference.offer}`.localeCompare(`${b.imageReference.publisher}/${b.imageReference.offer}`),
  );
  return candidates[0];
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

const day = (date: Date) => date.toISOString().slice(0, 10);

/** A warning when `endOfLife` has passed or is within 90 days of `now`. */
export function endOfLifeWarning(what: string, endOfLife: Date | undefined, now: Date = new Date()): string | undefined {
  if (!endOfLife) return undefined;
  const left = endOfLife.getTime() - now.getTime();
  if (left <= 0)
    return `warning: ${what} reached the end of its Batch support on ${day(endOfLife)}: Batch no longer creates pools with it and may not add nodes`;
  if (left <= WARN_DAYS * DAY_MS)
    return `warning: ${what}: Batch support ends on ${day(endOfLife)} (in ${Math.ceil(left / DAY_MS)} days); Batch creates no pool with it after that`;
  return undefined;
}

/** `supported until 2029-05-31`, `support ended 2025-04-23`, or that no end is announced. */
export function supportText(choice: Pick<NodeImageChoice, 'endOfLife'>, now: Date = new Date()): string {
  if (!choice.endOfLife) return 'no end of support announced';
  return `${choice.endOfLife > now ? 'supported until' : 'support ended'} ${day(choice.endOfLife)}`;
}

/**
 * The pool's node image: `compute.image` (and `compute.nodeAgent`, else the agent the list gives for
 * it), else the best one in the account's list (`pickNodeImage`), else the fallback. Throws a
 * BackendError only for a `compute.image` whose node agent cannot be known.
 */
export function chooseNodeImage(
  listed: SupportedImages,
  settings: { image?: string | undefined; nodeAgent?: string | undefined; vmSize: string },
  now: Date = new Date(),
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
    if (images && !entry)
      notes.push(
        `warning: node image ${formatNodeImage(image)} is not among the Linux images this Batch account supports: creating the pool may fail`,
      );
    if (entry && !isContainerCapable(entry))
      notes.push(
        `warning: node image ${formatNodeImage(image)} is not DockerCompatible: mxn's cells run in containers, which need a container-capable image`,
      );
    return { image, ...(endOfLife ? { endOfLife } : {}), source: 'setting', notes };
  }
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
    return { image, ...(endOfLife ? { endOfLife } : {}), source: 'service', notes: eol ? [eol] : [] };
  }
  const why =
    'error' in listed
      ? `could not list the Batch account's supported images (${listed.error})`
      : `the Batch account lists no verified Linux DockerCompatible image still supported${isArmVmSize(settings.vmSize) ? ' for Arm64' : ''}`;
  const entry = images && findListed(images, FALLBACK_IMAGE);
  const endOfLife = toDate(entry?.batchSupportEndOfLife);
  const notes = [`note: ${why}; using ${imageLabel(FALLBACK_IMAGE)}`];
  const eol = endOfLifeWarning(`node image ${imageLabel(FALLBACK_IMAGE)}`, endOfLife, now);
  if (eol) notes.push(eol);
  return { image: FALLBACK_IMAGE, ...(endOfLife ? { endOfLife } : {}), source: 'fallback', notes };
}

function sameFallback(image: Omit<NodeImage, 'nodeAgentSKUId'>): boolean {
  return (
    sameText(image.publisher, FALLBACK_IMAGE.publisher) &&
    sameText(image.offer, FALLBACK_IMAGE.offer) &&
    sameText(image.sku, FALLBACK_IMAGE.sku)
  );
}

/**
 * Warnings about a pool that already exists (it is reused as it is, whatever the settings say): its
 * image at or near its end of support, or no longer in the account's list.
 */
export function existingPoolWarnings(
  poolId: string,
  image: Omit<NodeImage, 'nodeAgentSKUId'> & { nodeAgentSKUId?: string | undefined },
  listed: SupportedImages,
  now: Date = new Date(),
): string[] {
  if (!('images' in listed)) return [];
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
    ? `warning: vmSize ${vmSize} is in the ${family} family, which Azure is retiring for Batch: choose a current size (e.g. standard_d2s_v5)`
    : undefined;
}
