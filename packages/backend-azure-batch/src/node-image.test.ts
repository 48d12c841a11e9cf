import type { BatchServiceModels } from '@azure/batch';
import { describe, expect, it } from 'vitest';
import { BackendError } from '@mxn/core';
import {
  chooseNodeImage,
  endOfLifeWarning,
  existingPoolWarnings,
  FALLBACK_IMAGE,
  formatNodeImage,
  isArmVmSize,
  parseNodeImage,
  pickNodeImage,
  retirement,
  retiringVmFamily,
  supportText,
  vmSizeWarning,
} from './node-image.js';
import { DEFAULT_VM_SIZE } from './pool.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function entry(
  reference: string,
  nodeAgentSKUId: string,
  options: { eol?: string; capabilities?: string[]; osType?: 'linux' | 'windows'; verified?: boolean } = {},
): BatchServiceModels.ImageInformation {
  const [publisher, offer, sku] = reference.split('/');
  return {
    nodeAgentSKUId,
    imageReference: { publisher, offer, sku, version: 'latest' },
    osType: options.osType ?? 'linux',
    capabilities: options.capabilities ?? ['DockerCompatible', 'Generation2VMImage'],
    ...(options.eol ? { batchSupportEndOfLife: new Date(options.eol) } : {}),
    verificationType: options.verified === false ? 'unverified' : 'verified',
  };
}

/** What an account lists: past end of life, ending soon, container-capable or not, Windows, unverified, Arm64. */
const LIST = [
  entry('microsoft-azure-batch/ubuntu-server-container/20-04-lts', 'batch.node.ubuntu 20.04', { eol: '2025-04-23' }),
  entry('microsoft-dsvm/ubuntu-hpc/2204', 'batch.node.ubuntu 22.04', { eol: '2027-06-30' }),
  entry('microsoft-dsvm/ubuntu-hpc/2404', 'batch.node.ubuntu 24.04', { eol: '2029-06-30' }),
  entry('microsoft-dsvm/ubuntu-hpc/2404-arm64', 'batch.node.ubuntu 24.04 arm64', { eol: '2030-06-30' }),
  entry('canonical/ubuntu-24_04-lts/server', 'batch.node.ubuntu 24.04', { capabilities: ['Generation2VMImage'] }),
  entry('almalinux/almalinux-x86_64/9-gen2', 'batch.node.el 9', { eol: '2032-05-31', verified: false }),
  entry('microsoftwindowsserver/windowsserver/2019-datacenter-with-containers', 'batch.node.windows amd64', {
    eol: '2031-01-09',
    osType: 'windows',
  }),
  entry('microsoft-azure-batch/ubuntu-server-container/22-04-lts', 'batch.node.ubuntu 22.04', { eol: '2026-07-15' }),
];
const label = (image: BatchServiceModels.ImageInformation | undefined) =>
  image && `${image.imageReference.publisher}/${image.imageReference.offer}/${image.imageReference.sku}`;

describe('choosing the node image from the supported images', () => {
  it(
    'takes the verified Linux DockerCompatible image supported longest, ' +
      'skipping Windows, unverified, non-container, ended and Arm64 ones',
    () => {
      expect(label(pickNodeImage(LIST, { vmSize: DEFAULT_VM_SIZE, now: NOW }))).toBe('microsoft-dsvm/ubuntu-hpc/2404');
      const choice = chooseNodeImage({ images: LIST }, { vmSize: DEFAULT_VM_SIZE }, NOW);
      expect(choice).toEqual({
        image: FALLBACK_IMAGE,
        endOfLife: new Date('2029-06-30'),
        listed: true,
        source: 'service',
        notes: [],
      });
      expect(supportText(choice, NOW)).toBe('supported until 2029-06-30');
    },
  );

  it('takes an image without an announced end of support only when no dated one is left, and says so', () => {
    // A stale verified entry without a date (an unannounced end is unknown, not "never") loses to any dated one.
    const undated = entry('microsoft-azure-batch/centos-container/7-8', 'batch.node.centos 7');
    expect(label(pickNodeImage([undated, ...LIST], { vmSize: DEFAULT_VM_SIZE, now: NOW }))).toBe('microsoft-dsvm/ubuntu-hpc/2404');
    expect(label(pickNodeImage([...LIST, undated], { vmSize: DEFAULT_VM_SIZE, now: NOW }))).toBe('microsoft-dsvm/ubuntu-hpc/2404');
    // Only an ended dated image besides it: the undated one is the only candidate.
    const choice = chooseNodeImage({ images: [LIST[0]!, undated] }, { vmSize: DEFAULT_VM_SIZE }, NOW);
    expect(formatNodeImage(choice.image)).toBe('microsoft-azure-batch/centos-container/7-8');
    expect(choice).toMatchObject({ source: 'service', listed: true, notes: [] });
    expect(supportText(choice, NOW)).toBe('end of support not announced');
  });

  it('breaks ties in the end of support by microsoft-dsvm/ubuntu-hpc first, then the highest sku as a number', () => {
    const same = { eol: '2030-01-01' };
    const other = [
      entry('contoso/server/9', 'batch.node.ubuntu 24.04', same),
      entry('contoso/server/10', 'batch.node.ubuntu 24.04', same),
      entry('a/x/server', 'batch.node.ubuntu 24.04', same),
    ];
    expect(label(pickNodeImage(other, { vmSize: DEFAULT_VM_SIZE, now: NOW }))).toBe('contoso/server/10');
    const hpc = [entry('microsoft-dsvm/ubuntu-hpc/2204', 'batch.node.ubuntu 22.04', same), ...other];
    expect(label(pickNodeImage(hpc, { vmSize: DEFAULT_VM_SIZE, now: NOW }))).toBe('microsoft-dsvm/ubuntu-hpc/2204');
    const both = [...hpc, entry('microsoft-dsvm/ubuntu-hpc/2404', 'batch.node.ubuntu 24.04', same)];
    expect(label(pickNodeImage(both, { vmSize: DEFAULT_VM_SIZE, now: NOW }))).toBe('microsoft-dsvm/ubuntu-hpc/2404');
    // Reversed input, same answer: the order of the list does not matter.
    expect(label(pickNodeImage([...both].reverse(), { vmSize: DEFAULT_VM_SIZE, now: NOW }))).toBe('microsoft-dsvm/ubuntu-hpc/2404');
    // A later date still wins over the preferred offer.
    const later = entry('contoso/server/1', 'batch.node.ubuntu 24.04', { eol: '2031-01-01' });
    expect(label(pickNodeImage([...both, later], { vmSize: DEFAULT_VM_SIZE, now: NOW }))).toBe('contoso/server/1');
  });

  it('skips entries without a full Marketplace reference or node agent', () => {
    const noSku = entry('microsoft-dsvm/ubuntu-hpc/2404', 'batch.node.ubuntu 24.04', { eol: '2035-01-01' });
    delete noSku.imageReference.sku;
    const galleryOnly: BatchServiceModels.ImageInformation = {
      ...entry('x/y/z', 'batch.node.ubuntu 24.04', { eol: '2036-01-01' }),
      imageReference: { virtualMachineImageId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/g/images/i' },
    };
    const noAgent = { ...entry('contoso/container/1', '', { eol: '2037-01-01' }) };
    const images = [noSku, galleryOnly, noAgent, ...LIST];
    expect(label(pickNodeImage(images, { vmSize: DEFAULT_VM_SIZE, now: NOW }))).toBe('microsoft-dsvm/ubuntu-hpc/2404');
    expect(chooseNodeImage({ images: [noSku, galleryOnly, noAgent] }, { vmSize: DEFAULT_VM_SIZE }, NOW).source).toBe('fallback');
  });

  it('takes Arm64 images for Arm64 sizes, and without one fails with one line instead of taking an x86-64 image', () => {
    expect(label(pickNodeImage(LIST, { vmSize: 'Standard_D2ps_v5', now: NOW }))).toBe('microsoft-dsvm/ubuntu-hpc/2404-arm64');
    expect(chooseNodeImage({ images: LIST }, { vmSize: 'Standard_D2ps_v5' }, NOW).image.nodeAgentSKUId).toBe(
      'batch.node.ubuntu 24.04 arm64',
    );
    const x86 = LIST.filter((image) => !/arm64/.test(image.imageReference.sku ?? ''));
    const none = (() => {
      try {
        chooseNodeImage({ images: x86 }, { vmSize: 'Standard_D2ps_v5' }, NOW);
      } catch (error) {
        return error;
      }
    })() as BackendError;
    expect(none).toBeInstanceOf(BackendError);
    expect(none).toMatchObject({ code: 'Config', exitClass: 'input' });
    expect(none.message).toBe(
      'backend: azure-batch: vmSize Standard_D2ps_v5 is an Arm64 size, and the Batch account lists no verified Linux ' +
        'DockerCompatible image still supported for Arm64: name an Arm64 node image in compute.image (and compute.nodeAgent)',
    );
    expect(() => chooseNodeImage({ error: '403 AuthorizationFailure' }, { vmSize: 'Standard_D2ps_v5' }, NOW)).toThrow(
      "vmSize Standard_D2ps_v5 is an Arm64 size, and mxn could not list the Batch account's supported images (403 AuthorizationFailure)",
    );
    // A named image is used as it is.
    expect(
      chooseNodeImage(
        { error: '403' },
        { image: 'contoso/arm/1', nodeAgent: 'batch.node.ubuntu 24.04 arm64', vmSize: 'Standard_D2ps_v5' },
        NOW,
      ).source,
    ).toBe('setting');
    expect(isArmVmSize('Standard_E4pds_v5')).toBe(true);
    expect(isArmVmSize('standard_d2s_v3')).toBe(false);
    expect(isArmVmSize('Standard_NP10s')).toBe(false);
  });

  it('ignores an image whose support has ended, and warns when the best one ends within 90 days', () => {
    const soon = [LIST[0]!, LIST[7]!];
    const choice = chooseNodeImage({ images: soon }, { vmSize: DEFAULT_VM_SIZE }, NOW);
    expect(formatNodeImage(choice.image)).toBe('microsoft-azure-batch/ubuntu-server-container/22-04-lts');
    expect(choice.notes).toEqual([
      'warning: node image microsoft-azure-batch/ubuntu-server-container/22-04-lts (batch.node.ubuntu 22.04): ' +
        'Batch support ends on 2026-07-15 (in 44 days); Batch creates no pool with it after that',
    ]);
  });

  it('falls back to microsoft-dsvm/ubuntu-hpc/2404 with a note when the list cannot be read or has nothing usable', () => {
    const refused = chooseNodeImage({ error: '403 AuthorizationFailure This request is not authorized' }, { vmSize: DEFAULT_VM_SIZE }, NOW);
    expect(refused).toEqual({
      image: {
        publisher: 'microsoft-dsvm',
        offer: 'ubuntu-hpc',
        sku: '2404',
        version: 'latest',
        nodeAgentSKUId: 'batch.node.ubuntu 24.04',
      },
      listed: false,
      source: 'fallback',
      notes: [
        "note: could not list the Batch account's supported images (403 AuthorizationFailure This request is not authorized); " +
          'using microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)',
      ],
    });
    const nothing = chooseNodeImage({ images: [LIST[0]!, LIST[4]!, LIST[5]!, LIST[6]!] }, { vmSize: DEFAULT_VM_SIZE }, NOW);
    expect(nothing.source).toBe('fallback');
    expect(nothing.notes[0]).toMatch(/^note: the Batch account lists no verified Linux DockerCompatible image still supported; using /);
    // The date is unknown when the list could not be read, not "not announced".
    expect(supportText(refused, NOW)).toBe('end of support unknown');
    expect(supportText({ listed: true }, NOW)).toBe('end of support not announced');
  });
});

describe('an image named in compute.image', () => {
  it('is parsed from publisher/offer/sku[@version]', () => {
    expect(parseNodeImage('microsoft-dsvm/ubuntu-hpc/2404')).toEqual({
      publisher: 'microsoft-dsvm',
      offer: 'ubuntu-hpc',
      sku: '2404',
      version: 'latest',
    });
    expect(parseNodeImage('canonical/ubuntu-24_04-lts/server@24.04.202501010')).toMatchObject({ version: '24.04.202501010' });
    expect(formatNodeImage(parseNodeImage('a/b/c@1.2'))).toBe('a/b/c@1.2');
    expect(() => parseNodeImage('a/b')).toThrow(/not publisher\/offer\/sku/);
  });

  it('takes its node agent from the list, and is used even when it ended, with a warning and the date', () => {
    const ended = chooseNodeImage(
      { images: LIST },
      { image: 'microsoft-azure-batch/ubuntu-server-container/20-04-lts', vmSize: DEFAULT_VM_SIZE },
      NOW,
    );
    expect(ended.image.nodeAgentSKUId).toBe('batch.node.ubuntu 20.04');
    expect(ended.source).toBe('setting');
    expect(ended.notes).toEqual([
      'warning: node image microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04) ' +
        'reached the end of its Batch support on 2025-04-23: Batch no longer creates pools with it and may not add nodes',
    ]);
    const soon = chooseNodeImage(
      { images: LIST },
      { image: 'microsoft-azure-batch/ubuntu-server-container/22-04-lts', nodeAgent: 'batch.node.ubuntu 22.04', vmSize: DEFAULT_VM_SIZE },
      NOW,
    );
    expect(soon.notes).toEqual([expect.stringMatching(/Batch support ends on 2026-07-15 \(in 44 days\)/)]);
    const fine = chooseNodeImage({ images: LIST }, { image: 'microsoft-dsvm/ubuntu-hpc/2204', vmSize: DEFAULT_VM_SIZE }, NOW);
    expect(fine).toMatchObject({ endOfLife: new Date('2027-06-30'), listed: true, notes: [] });
  });

  it('warns about an explicit compute.nodeAgent past its end of support, even when the image is fine', () => {
    const agent = chooseNodeImage(
      { images: LIST },
      { image: 'microsoft-dsvm/ubuntu-hpc/2404', nodeAgent: 'batch.node.ubuntu 20.04', vmSize: DEFAULT_VM_SIZE },
      NOW,
    );
    expect(agent.notes).toEqual([
      'warning: node agent batch.node.ubuntu 20.04 reached the end of its Batch support on 2025-04-23: ' +
        'Batch no longer creates pools with it and may not add nodes',
    ]);
    // An agent still used by a supported image (22.04 here, until 2027-06-30) is fine until the last of them ends.
    expect(
      chooseNodeImage(
        { images: LIST },
        { image: 'microsoft-dsvm/ubuntu-hpc/2204', nodeAgent: 'batch.node.ubuntu 22.04', vmSize: DEFAULT_VM_SIZE },
        NOW,
      ).notes,
    ).toEqual([]);
  });

  it('counts the days left in whole days', () => {
    expect(endOfLifeWarning('x', new Date('2026-06-02T12:00:00Z'), NOW)).toMatch(/\(in 1 day\)/);
    expect(endOfLifeWarning('x', new Date('2026-06-01T12:00:00Z'), NOW)).toMatch(/\(within a day\)/);
    expect(endOfLifeWarning('x', new Date(NOW.getTime() + 90 * 86_400_000), NOW)).toMatch(/\(in 90 days\)/);
    expect(endOfLifeWarning('x', new Date(NOW.getTime() + 90 * 86_400_000 + 1000), NOW)).toBeUndefined();
  });

  it('warns about an image the account does not list or that cannot run containers, and needs nodeAgent when the list cannot say', () => {
    expect(chooseNodeImage({ images: LIST }, { image: 'canonical/ubuntu-24_04-lts/server', vmSize: DEFAULT_VM_SIZE }, NOW).notes).toEqual([
      'warning: node image canonical/ubuntu-24_04-lts/server is not DockerCompatible: ' +
        "mxn's cells run in containers, which need a container-capable image",
    ]);
    expect(
      chooseNodeImage({ images: LIST }, { image: 'contoso/custom/1', nodeAgent: 'batch.node.ubuntu 24.04', vmSize: DEFAULT_VM_SIZE }, NOW)
        .notes,
    ).toEqual([
      'warning: node image contoso/custom/1 is not among the Linux images this Batch account supports: creating the pool may fail',
    ]);
    expect(() => chooseNodeImage({ images: LIST }, { image: 'contoso/custom/1', vmSize: DEFAULT_VM_SIZE }, NOW)).toThrow(
      'azure-batch: compute.image contoso/custom/1 needs compute.nodeAgent: it is not among the Linux images this Batch account supports',
    );
    expect(() =>
      chooseNodeImage({ error: '403 AuthorizationFailure' }, { image: 'contoso/custom/1', vmSize: DEFAULT_VM_SIZE }, NOW),
    ).toThrow(/needs compute.nodeAgent: the account's supported images could not be listed \(403 AuthorizationFailure\)/);
    // The fallback image's agent is known without the list.
    expect(
      chooseNodeImage({ error: '403' }, { image: 'microsoft-dsvm/ubuntu-hpc/2404', vmSize: DEFAULT_VM_SIZE }, NOW).image.nodeAgentSKUId,
    ).toBe('batch.node.ubuntu 24.04');
  });

  it('warns about an existing pool whose image has ended or left the list', () => {
    const retired = {
      ...parseNodeImage('microsoft-azure-batch/ubuntu-server-container/20-04-lts'),
      nodeAgentSKUId: 'batch.node.ubuntu 20.04',
    };
    expect(existingPoolWarnings('mxn', retired, { images: LIST }, NOW)).toEqual([
      'warning: pool mxn runs microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04), ' +
        'past its Batch support end of life on 2025-04-23: the run fails; delete the pool (mxn recreates it) or name another compute.pool',
    ]);
    expect(existingPoolWarnings('mxn', retired, { images: LIST }, NOW, { managed: true, nodes: 0, replacement: FALLBACK_IMAGE })).toEqual([
      'warning: pool mxn runs microsoft-azure-batch/ubuntu-server-container/20-04-lts (batch.node.ubuntu 20.04), ' +
        'past its Batch support end of life on 2025-04-23: mxn created it and it has no nodes, ' +
        'so the run deletes it and creates it again with microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 24.04)',
    ]);
    expect(
      existingPoolWarnings('mxn', retired, { images: LIST }, NOW, { managed: true, nodes: 2, replacement: FALLBACK_IMAGE })[0],
    ).toMatch(/: the run fails; delete the pool/);
    // Only the node agent has ended (an image that is still listed, on the retired agent).
    const agentOnly = { ...parseNodeImage('microsoft-dsvm/ubuntu-hpc/2404'), nodeAgentSKUId: 'batch.node.ubuntu 20.04' };
    expect(retirement(agentOnly, { images: LIST }, NOW)).toEqual({
      label: 'microsoft-dsvm/ubuntu-hpc/2404 (batch.node.ubuntu 20.04)',
      endOfLife: new Date('2025-04-23'),
    });
    expect(retirement({ ...FALLBACK_IMAGE }, { images: LIST }, NOW)).toBeUndefined();
    expect(retirement(retired, { error: '403' }, NOW)).toBeUndefined();
    expect(existingPoolWarnings('mxn', retired, { images: LIST.slice(1) }, NOW)[0]).toMatch(
      /is no longer among the images this Batch account supports/,
    );
    expect(existingPoolWarnings('mxn', { ...FALLBACK_IMAGE }, { images: LIST }, NOW)).toEqual([]);
    expect(existingPoolWarnings('mxn', retired, { error: '403' }, NOW)).toEqual([]);
    expect(endOfLifeWarning('x', new Date('2026-10-01'), NOW)).toBeUndefined();
  });
});

describe('VM sizes on the retirement list', () => {
  it('passes the default and current sizes, and flags the D, Ds, Dv2, Dsv2, Ls, HBv2, HC and NP families', () => {
    expect(DEFAULT_VM_SIZE).toBe('standard_d2s_v3');
    for (const size of [
      DEFAULT_VM_SIZE,
      'Standard_D4s_v5',
      'Standard_D2as_v5',
      'Standard_L8s_v3',
      'Standard_HB120rs_v3',
      'Standard_NC6s_v3',
    ])
      expect(retiringVmFamily(size), size).toBeUndefined();
    expect(
      Object.fromEntries(
        [
          'Standard_D2_v2',
          'Standard_DS1_v2',
          'Standard_DS11-1_v2',
          'Standard_D1',
          'Standard_DS3',
          'Standard_L8s',
          'Standard_HB120rs_v2',
          'Standard_HB120-96rs_v2',
          'Standard_HC44rs',
          'Standard_NP10s',
        ].map((size) => [size, retiringVmFamily(size)]),
      ),
    ).toEqual({
      Standard_D2_v2: 'Dv2',
      Standard_DS1_v2: 'Dsv2',
      'Standard_DS11-1_v2': 'Dsv2',
      Standard_D1: 'D',
      Standard_DS3: 'Ds',
      Standard_L8s: 'Ls',
      Standard_HB120rs_v2: 'HBv2',
      'Standard_HB120-96rs_v2': 'HBv2',
      Standard_HC44rs: 'HC',
      Standard_NP10s: 'NP',
    });
    expect(vmSizeWarning('Standard_D2_v2')).toBe(
      'warning: vmSize Standard_D2_v2 is in the Dv2 family, ' +
        'which Azure is retiring for Batch: choose a current size (e.g. standard_d2s_v5)',
    );
    expect(vmSizeWarning(DEFAULT_VM_SIZE)).toBeUndefined();
  });
});
