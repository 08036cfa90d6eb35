import type Docker from 'dockerode';
import type { ContainerLimits } from '../plan/deployment-diff.js';
import { engineCall } from '../runtime-errors.js';

/**
 * Sets a running container's limits back to the plan's in place (`docker update`): limits
 * changed behind our back are repaired without recreating the container or touching its data.
 */
export async function restoreLimits(container: Docker.Container, name: string, limits: ContainerLimits): Promise<void> {
  await engineCall(`update limits of container ${name}`, () =>
    container.update({ Memory: limits.memoryBytes, MemorySwap: limits.memorySwapBytes, NanoCpus: limits.nanoCpus, PidsLimit: limits.pidsLimit }),
  );
}
