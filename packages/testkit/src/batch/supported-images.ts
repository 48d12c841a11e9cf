/**
 * The node images the loopback Batch service supports (List Supported Images, `GET /supportedimages`),
 * and the check pool creation makes against them: an image or node agent that is not in the list, or
 * whose `batchSupportEndOfLife` has passed, is refused as the service refuses it.
 */
import { propertyError } from './errors.js';
import type { JsonObject } from './spec-types.js';

/** One entry of List Supported Images (`BatchSupportedImage` in 2025-06-01). */
export interface SupportedImage {
  nodeAgentSKUId: string;
  /** The Marketplace reference; the service can list an entry without one in full (no `sku`, or a gallery id only). */
  imageReference: { publisher: string; offer: string; sku?: string; version?: string };
  osType: 'linux' | 'windows';
  /** Features of special interest, such as `DockerCompatible` (the image can run container tasks). */
  capabilities?: string[];
  /** When the service stops accepting create-pool requests for the image (ISO 8601); absent: not announced. */
  batchSupportEndOfLife?: string;
  verificationType: 'verified' | 'unverified';
}

const image = (
  publisher: string,
  offer: string,
  sku: string | undefined,
  nodeAgentSKUId: string,
  capabilities: string[],
  batchSupportEndOfLife: string | undefined,
  more: Partial<SupportedImage> = {},
): SupportedImage => ({
  nodeAgentSKUId,
  imageReference: { publisher, offer, ...(sku === undefined ? {} : { sku }), version: 'latest' },
  osType: 'linux',
  capabilities,
  ...(batchSupportEndOfLife ? { batchSupportEndOfLife } : {}),
  verificationType: 'verified',
  ...more,
});

const CONTAINER_HPC = ['DockerCompatible', 'NvidiaTeslaDriverInstalled', 'SupportsRDMAOnly', 'Generation2VMImage'];
const UBUNTU_2004_EOL = '2025-04-23T00:00:00Z';
const UBUNTU_2204_EOL = '2027-06-30T00:00:00Z';
const UBUNTU_2404_EOL = '2029-06-30T00:00:00Z';
const ARM_EOL = '2029-12-31T00:00:00Z';
const INCOMPLETE_EOL = '2030-06-30T00:00:00Z';

/**
 * The images the service supports unless `supportedImages` says otherwise (table in the batch README).
 * Modelled on real answers and Azure's retirement notices:
 * the Ubuntu 20.04 images (mxn's old default among them) past their end of life (23 April 2025),
 * Ubuntu 22.04 ones ending 30 June 2027, the container-capable `microsoft-dsvm / ubuntu-hpc / 2404`,
 * Linux images without container support, an unverified container-capable one whose end of life is
 * furthest away (a chooser must skip it), and two Windows images, one of them container-capable.
 * It also holds a chooser's edge cases: a verified container-capable image without a date, one tied
 * with 2404 from another publisher (listed first), an arm64 one and one without a sku, both supported longer.
 */
export const DEFAULT_SUPPORTED_IMAGES: readonly SupportedImage[] = [
  image(
    'microsoft-azure-batch',
    'ubuntu-server-container',
    '20-04-lts',
    'batch.node.ubuntu 20.04',
    CONTAINER_HPC.slice(0, 2),
    UBUNTU_2004_EOL,
  ),
  image(
    'microsoft-azure-batch',
    'ubuntu-server-container-rdma',
    '20-04-lts',
    'batch.node.ubuntu 20.04',
    CONTAINER_HPC.slice(0, 3),
    UBUNTU_2004_EOL,
  ),
  image('canonical', '0001-com-ubuntu-server-focal', '20_04-lts', 'batch.node.ubuntu 20.04', [], UBUNTU_2004_EOL),
  image('canonical', '0001-com-ubuntu-server-jammy', '22_04-lts', 'batch.node.ubuntu 22.04', [], UBUNTU_2204_EOL),
  image('canonical', '0001-com-ubuntu-server-jammy', '22_04-lts-gen2', 'batch.node.ubuntu 22.04', ['Generation2VMImage'], UBUNTU_2204_EOL),
  image('microsoft-dsvm', 'ubuntu-hpc', '2204', 'batch.node.ubuntu 22.04', CONTAINER_HPC, UBUNTU_2204_EOL),
  // A stale entry without an announced end of life (the list has had such): a chooser must not rank it above dated ones.
  image('microsoft-azure-batch', 'centos-container', '7-8', 'batch.node.centos 7', ['DockerCompatible'], undefined),
  // Tied with 2404 on end of life, from another publisher, listed first: the tie needs a rule, not list order.
  image('almalinux', 'almalinux-hpc', '9-hpc-gen2', 'batch.node.el 9', CONTAINER_HPC, UBUNTU_2404_EOL),
  image('microsoft-dsvm', 'ubuntu-hpc', '2404', 'batch.node.ubuntu 24.04', CONTAINER_HPC, UBUNTU_2404_EOL),
  // Arm64, container-capable, supported longer than 2404: only for Arm VM sizes.
  image('canonical', 'ubuntu-24_04-lts', 'server-arm64', 'batch.node.ubuntu 24.04', ['DockerCompatible', 'Generation2VMImage'], ARM_EOL),
  // Incomplete (no sku), container-capable, supported longest among the verified Linux ones: no pool can be made from it.
  image('microsoft-dsvm', 'ubuntu-hpc', undefined, 'batch.node.ubuntu 24.04', CONTAINER_HPC, INCOMPLETE_EOL),
  image('canonical', 'ubuntu-24_04-lts', 'server', 'batch.node.ubuntu 24.04', ['Generation2VMImage'], undefined),
  image('canonical', 'ubuntu-24_04-lts', 'server-gen1', 'batch.node.ubuntu 24.04', [], UBUNTU_2404_EOL),
  image('almalinux', 'almalinux-x86_64', '9-gen2', 'batch.node.el 9', ['DockerCompatible', 'Generation2VMImage'], '2032-05-31T00:00:00Z', {
    verificationType: 'unverified',
  }),
  image('microsoftwindowsserver', 'windowsserver', '2022-datacenter', 'batch.node.windows amd64', [], '2031-10-14T00:00:00Z', {
    osType: 'windows',
  }),
  image(
    'microsoftwindowsserver',
    'windowsserver',
    '2019-datacenter-with-containers',
    'batch.node.windows amd64',
    ['DockerCompatible'],
    '2029-01-09T00:00:00Z',
    { osType: 'windows' },
  ),
];

const same = (a: unknown, b: unknown): boolean => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
const ended = (entry: SupportedImage, now: Date): boolean =>
  entry.batchSupportEndOfLife !== undefined && Date.parse(entry.batchSupportEndOfLife) <= now.getTime();
const day = (iso: string | undefined): string => (iso ?? '').slice(0, 10);
/** The list's entry for a Marketplace image reference (publisher, offer and sku compared without case). */
const findImage = (images: readonly SupportedImage[], ref: Record<string, unknown>): SupportedImage | undefined =>
  images.find(
    (e) =>
      same(e.imageReference.publisher, ref.publisher) && same(e.imageReference.offer, ref.offer) && same(e.imageReference.sku, ref.sku),
  );
/** When every listed image of a node agent is past its end of life at `now`: the latest of those dates; else undefined. */
function retiredAgentEnd(images: readonly SupportedImage[], agent: unknown, now: Date): string | undefined {
  const forAgent = images.filter((entry) => same(entry.nodeAgentSKUId, agent));
  if (forAgent.length === 0 || !forAgent.every((entry) => ended(entry, now))) return undefined;
  return forAgent
    .map((entry) => entry.batchSupportEndOfLife)
    .sort()
    .at(-1);
}

/**
 * Refuses a pool whose `virtualMachineConfiguration` names an image or node agent the list does not
 * support, or one past its `batchSupportEndOfLife` at `now`: 400 `InvalidPropertyValue` naming the
 * property (`where` is the path of the configuration, e.g. `virtualMachineConfiguration`).
 */
export function checkPoolImage(images: readonly SupportedImage[], now: Date, vm: JsonObject | undefined, where: string): void {
  if (!vm) return;
  const ref = (vm.imageReference ?? {}) as Record<string, unknown>;
  const agent = vm.nodeAgentSKUId;
  const agentPath = `${where}.nodeAgentSKUId`;
  const imagePath = `${where}.imageReference`;
  const agentKnown = images.some((entry) => same(entry.nodeAgentSKUId, agent));
  const agentEnd = retiredAgentEnd(images, agent, now);
  const retiredAgent = (): never => {
    throw propertyError(
      'InvalidPropertyValue',
      agentPath,
      `The node agent SKU '${String(agent)}' reached its Batch support end of life on ${day(agentEnd)}; ` +
        `pools can no longer be created with it.`,
    );
  };
  const marketplace = ref.publisher !== undefined || ref.offer !== undefined || ref.sku !== undefined;
  if (!marketplace) {
    // A custom or gallery image: only its node agent can be checked.
    if (!agentKnown)
      throw propertyError(
        'InvalidPropertyValue',
        agentPath,
        `The node agent SKU '${String(agent)}' is not supported by the Batch service.`,
      );
    if (agentEnd !== undefined) retiredAgent();
    return;
  }
  const name = `publisher '${String(ref.publisher)}', offer '${String(ref.offer)}', sku '${String(ref.sku)}'`;
  const entry = findImage(images, ref);
  if (!entry) {
    throw propertyError(
      'InvalidPropertyValue',
      imagePath,
      `The image with ${name} is not supported by the Batch service (it is not in List Supported Images).`,
    );
  }
  if (!same(entry.nodeAgentSKUId, agent)) {
    throw propertyError(
      'InvalidPropertyValue',
      agentPath,
      `The node agent SKU '${String(agent)}' is not supported with the image with ${name}, which needs '${entry.nodeAgentSKUId}'.`,
    );
  }
  if (agentEnd !== undefined) retiredAgent();
  if (ended(entry, now)) {
    throw propertyError(
      'InvalidPropertyValue',
      imagePath,
      `The image with ${name} reached its Batch support end of life on ${day(entry.batchSupportEndOfLife)}; ` +
        `pools can no longer be created with it.`,
    );
  }
}

/** An entry of a pool's `resizeErrors` (`ResizeError` in 2025-06-01). */
export interface ResizeError {
  code: string;
  message: string;
  values?: { name: string; value: string }[];
}

/**
 * Why an existing pool cannot grow at `now`: its node agent (all of whose images) or its Marketplace image is past
 * `batchSupportEndOfLife` (Azure: "Existing pools … will no longer be able to scale out", Azure/Batch#179). The code
 * `UnsupportedNodeImage` is this fake's choice (no public source names the one the service records). Undefined: it can grow.
 */
export function growthBlocked(images: readonly SupportedImage[], now: Date, vm: JsonObject | undefined): ResizeError | undefined {
  if (!vm) return undefined;
  const ref = (vm.imageReference ?? {}) as Record<string, unknown>;
  const agent = vm.nodeAgentSKUId;
  const blocked = (what: string, name: string, value: string, endOfLife: string | undefined): ResizeError => ({
    code: 'UnsupportedNodeImage',
    message:
      `The pool's ${what} reached its Batch support end of life on ${day(endOfLife)}: ` +
      'the pool can no longer grow; create a pool with a supported image.',
    values: [
      { name, value },
      { name: 'BatchSupportEndOfLife', value: day(endOfLife) },
    ],
  });
  const agentEnd = retiredAgentEnd(images, agent, now);
  if (agentEnd !== undefined) return blocked(`node agent SKU '${String(agent)}'`, 'NodeAgentSKUId', String(agent), agentEnd);
  const entry = findImage(images, ref);
  if (!entry || !ended(entry, now)) return undefined;
  const label = `${String(ref.publisher)}/${String(ref.offer)}/${String(ref.sku)}`;
  return blocked(`image ${label}`, 'ImageReference', label, entry.batchSupportEndOfLife);
}
