/** Asks a registry whether an image tag exists: `HEAD /v2/<name>/manifests/<tag>` (OCI distribution API). */
import { ImagesError } from './errors.js';
import { parseImageRef, registryBaseUrl } from './image-ref.js';
import { authorizationFor, type RegistryCredentials } from './registry-auth.js';

/** Manifest types a registry may hold for an image (multi-platform indexes first). */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryOptions {
  credentials?: RegistryCredentials;
  /** Default: plain HTTP for loopback registries, HTTPS otherwise. */
  plainHttp?: boolean;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

export interface ManifestInfo {
  exists: boolean;
  /** `Docker-Content-Digest` of the manifest, when it exists. */
  digest?: string;
}

/** Whether `ref` (`registry/repository:tag`) exists; answers a 401 challenge once with the given credentials. */
export async function findImage(ref: string, options: RegistryOptions = {}): Promise<ManifestInfo> {
  const { registry, repository, tag } = parseImageRef(ref);
  const doFetch = options.fetch ?? fetch;
  const url = `${registryBaseUrl(registry, options.plainHttp)}/v2/${repository}/manifests/${encodeURIComponent(tag)}`;
  const head = async (authorization?: string) => {
    try {
      return await doFetch(url, { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT, ...(authorization ? { authorization } : {}) } });
    } catch (error) {
      throw new ImagesError('Registry', `cannot reach ${registry} (${(error as Error).message})`, { cause: error });
    }
  };
  let response = await head();
  if (response.status === 401) {
    const authorization = await authorizationFor(
      response.headers.get('www-authenticate'),
      { registry, credentials: options.credentials, fetch: doFetch, plainHttp: options.plainHttp },
      `repository:${repository}:pull`,
    );
    response = await head(authorization);
    if (response.status === 401 || response.status === 403)
      throw new ImagesError('RegistryAuth', `${registry} refused access to ${repository} (HTTP ${response.status})`, {
        hint: 'check MXN_REGISTRY_USERNAME and MXN_REGISTRY_PASSWORD, or the identity’s AcrPull/AcrPush role on the registry',
      });
  }
  if (response.status === 404) return { exists: false };
  if (response.ok) {
    const digest = response.headers.get('docker-content-digest');
    return { exists: true, ...(digest ? { digest } : {}) };
  }
  throw new ImagesError('Registry', `${registry} answered HTTP ${response.status} for ${repository}:${tag}`);
}
