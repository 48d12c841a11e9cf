/**
 * One container job definition per image (and resources, roles, platform): named by the hash of its
 * content, found with DescribeJobDefinitions (ACTIVE, by name) and registered only when there is none,
 * so runs never add revisions. Its command is the task wrapper, which runs in the image's WORKDIR.
 */
import {
  DescribeJobDefinitionsCommand,
  RegisterJobDefinitionCommand,
  type BatchClient,
  type ContainerProperties,
  type PlatformCapability,
} from '@aws-sdk/client-batch';
import { definitionName } from './names.js';
import { wrapperCommand } from './wrapper/task-wrapper.js';

export interface DefinitionSettings {
  vcpus: number;
  memory: number;
  gpus?: number;
  jobRoleArn?: string;
  executionRoleArn?: string;
  platform: PlatformCapability;
}

/** The container properties of the definition for `image`. */
function containerProperties(image: string, settings: DefinitionSettings): ContainerProperties {
  return {
    image,
    command: wrapperCommand(),
    resourceRequirements: [
      { type: 'VCPU', value: String(settings.vcpus) },
      { type: 'MEMORY', value: String(settings.memory) },
      ...(settings.gpus ? [{ type: 'GPU' as const, value: String(settings.gpus) }] : []),
    ],
    ...(settings.jobRoleArn ? { jobRoleArn: settings.jobRoleArn } : {}),
    ...(settings.executionRoleArn ? { executionRoleArn: settings.executionRoleArn } : {}),
    ...(settings.platform === 'FARGATE' ? { networkConfiguration: { assignPublicIp: 'ENABLED' }, fargatePlatformConfiguration: {} } : {}),
  };
}

/** Finds or registers the definitions of `images`; image → definition ARN. One Describe call per image, and a Register for each new one. */
export async function ensureJobDefinitions(
  client: BatchClient,
  images: string[],
  settings: DefinitionSettings,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  await Promise.all(
    images.map(async (image) => {
      const properties = containerProperties(image, settings);
      const name = definitionName({ properties, platform: settings.platform });
      const existing = await client.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: 'ACTIVE' }));
      const latest = (existing.jobDefinitions ?? []).sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
      if (latest?.jobDefinitionArn) {
        found.set(image, latest.jobDefinitionArn);
        return;
      }
      const registered = await client.send(
        new RegisterJobDefinitionCommand({
          jobDefinitionName: name,
          type: 'container',
          containerProperties: properties,
          platformCapabilities: [settings.platform],
          tags: { 'mxn:image': image.slice(0, 256) },
        }),
      );
      found.set(image, registered.jobDefinitionArn!);
    }),
  );
  return found;
}
