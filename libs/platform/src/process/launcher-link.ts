/**
 * Processes the launcher (`allmende start`) runs get an IPC channel to it. The channel closes
 * when the launcher ends in any way, SIGKILL included: then the process stops too, so no api
 * or worker is left running unsupervised (and holding the port) after its launcher died.
 */
export function isLaunched(): boolean {
  return typeof process.send === 'function' && process.connected;
}

/**
 * Calls `stop` once when the launcher's channel closes; `stop` should close the application
 * gracefully. The process exits after it, or after `graceMs` whatever `stop` is doing.
 */
export function stopWithLauncher(stop: () => Promise<void>, log: (line: string) => void, graceMs = 15_000): void {
  if (!isLaunched()) return;
  // the channel must not keep the process alive once the application has closed
  (process.channel as { unref?: () => void } | undefined)?.unref?.();
  let stopping = false;
  process.once('disconnect', () => {
    if (stopping) return;
    stopping = true;
    log('the launcher is gone: stopping');
    setTimeout(() => process.exit(1), graceMs).unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

/** Tells the launcher something (the process is ready, ...); a closed channel is ignored. */
export function tellLauncher(message: { type: string; [key: string]: unknown }): void {
  if (isLaunched()) process.send!(message, undefined, {}, () => undefined);
}
