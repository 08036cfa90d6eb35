import { AppConfig, loadConfig } from './app-config.js';
import { ConfigurationError } from './environment.js';

/** For entry points: a bad configuration stops the process with one line on stderr, nothing else. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`allmende: ${error.message}\n`);
      process.exit(78); // EX_CONFIG from sysexits.h
    }
    throw error;
  }
}

/**
 * Runs an entry point's start-up. A configuration problem found while starting (a broken
 * template, a bad plans file) ends the process with one line, like a bad variable does.
 */
export async function startOrExit(start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`allmende: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
