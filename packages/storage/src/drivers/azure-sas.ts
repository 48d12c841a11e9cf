import type { BlobServiceClient, UserDelegationKey } from '@azure/storage-blob';
import { StoreError } from '../errors.js';
import type { SignOptions } from '../store.js';
import type { BlobAuth } from './azure-location.js';

type BlobSdk = typeof import('@azure/storage-blob');

/**
 * Signs Blob SAS tokens: with the account key when the store has one, otherwise with a
 * user-delegation key (signed in with Entra ID). A store opened with a SAS cannot sign.
 *
 * Scope the service enforces:
 * - object SAS (`sr=b`): exactly one blob; read → `r`; write → `c`+`w` (create and overwrite it).
 * - prefix SAS: a container SAS (`sr=c`); read → `r`+`l`, write → `c`+`w`. The service enforces
 *   the container, the permissions, the expiry (and https-only on a real account), but NOT the
 *   prefix: on a flat-namespace account a container SAS reaches every blob in the container. The
 *   prefix is carried in the URL so that a task uses it; a directory-scoped SAS (`sr=d`) exists
 *   only for hierarchical-namespace (ADLS Gen2) accounts. Keep each run's data in its own
 *   container when tasks must not see each other's objects.
 */
export class BlobSigner {
  private delegation?: { key: UserDelegationKey; until: number };

  constructor(
    private readonly sdk: BlobSdk,
    private readonly service: BlobServiceClient,
    private readonly auth: BlobAuth,
    private readonly account: string,
  ) {}

  get canSign(): boolean {
    return this.auth.kind !== 'sas';
  }

  /** SAS query for one blob. */
  async blob(container: string, blobName: string, { access, expiresIn = 3600 }: SignOptions): Promise<string> {
    const permissions = this.sdk.BlobSASPermissions.parse(access === 'read' ? 'r' : 'cw');
    return this.sign({ containerName: container, blobName, permissions }, expiresIn);
  }

  /** SAS query for a container (see the class comment for what the service enforces). */
  async container(container: string, { access, expiresIn = 3600 }: SignOptions): Promise<string> {
    const permissions = this.sdk.ContainerSASPermissions.parse(access === 'read' ? 'rl' : 'cw');
    return this.sign({ containerName: container, permissions }, expiresIn);
  }

  private async sign(
    values: {
      containerName: string;
      blobName?: string;
      permissions: import('@azure/storage-blob').BlobSASPermissions | import('@azure/storage-blob').ContainerSASPermissions;
    },
    expiresIn: number,
  ): Promise<string> {
    const startsOn = new Date(Date.now() - 5 * 60_000); // clock skew allowance
    const expiresOn = new Date(Date.now() + expiresIn * 1000);
    const protocol = this.service.url.startsWith('https:') ? this.sdk.SASProtocol.Https : this.sdk.SASProtocol.HttpsAndHttp;
    const full = {
      ...values,
      permissions: values.permissions as import('@azure/storage-blob').BlobSASPermissions,
      startsOn,
      expiresOn,
      protocol,
    };
    if (this.auth.kind === 'key') {
      return this.sdk
        .generateBlobSASQueryParameters(full, new this.sdk.StorageSharedKeyCredential(this.auth.account, this.auth.key))
        .toString();
    }
    if (this.auth.kind === 'token') {
      const key = await this.delegationKey(expiresOn);
      return this.sdk.generateBlobSASQueryParameters(full, key, this.account).toString();
    }
    throw new StoreError(
      'Unsupported',
      'azure-blob: a store opened with a SAS cannot sign new URLs; use an account key or Entra ID credentials',
    );
  }

  private async delegationKey(expiresOn: Date): Promise<UserDelegationKey> {
    if (!this.delegation || this.delegation.until < expiresOn.getTime()) {
      const until = new Date(Math.max(expiresOn.getTime(), Date.now() + 3600_000) + 60_000);
      const key = await this.service.getUserDelegationKey(new Date(Date.now() - 5 * 60_000), until);
      this.delegation = { key, until: until.getTime() };
    }
    return this.delegation.key;
  }
}
