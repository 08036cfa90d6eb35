import type Docker from 'dockerode';
import { RuntimeError } from '../runtime-errors.js';

/** 128 + SIGKILL and 128 + SIGTERM: how a process ends when its container is stopped under it. */
const KILLED_FROM_OUTSIDE = new Set([137, 143]);

/**
 * A command that ended with 137/143 while its container stopped or was restarted (an engine
 * restart, an operator's docker stop) was interrupted, not failed: the error is transient.
 * A 137 in a container that kept running (e.g. the command's own OOM kill) stays the hook's failure.
 */
export async function interruptionOf(
  container: Docker.Container,
  before: Docker.ContainerInspectInfo,
  exitCode: number,
  label: string,
  settleMs = 1500,
): Promise<RuntimeError | null> {
  if (!KILLED_FROM_OUTSIDE.has(exitCode)) return null;
  // the exec ends the moment the container's processes are killed; the engine records the
  // container's own stop a moment later: look a few times before calling it the command's failure
  const deadline = Date.now() + settleMs;
  for (;;) {
    let after: Docker.ContainerInspectInfo;
    try {
      after = await container.inspect();
    } catch (error) {
      return new RuntimeError('runtime.interrupted', `${label} ended with exit code ${exitCode} and its container cannot be inspected now`, { cause: error });
    }
    const state = after.State;
    const restarted = state.StartedAt !== before.State.StartedAt || (after.RestartCount ?? 0) !== (before.RestartCount ?? 0);
    if (!state.Running || state.Restarting || restarted) {
      const what = !state.Running ? 'stopped' : 'was restarted';
      return new RuntimeError('runtime.interrupted', `${label} ended with exit code ${exitCode} because its container ${what} meanwhile (engine restart?); it is tried again`);
    }
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Why a container that should have started ended: killed from outside (137/143, not by the
 * OOM killer) is an interruption another try gets past; anything else is the container's own failure.
 */
export function endedByInterruption(info: Docker.ContainerInspectInfo): boolean {
  return KILLED_FROM_OUTSIDE.has(info.State.ExitCode ?? 0) && info.State.OOMKilled !== true;
}
