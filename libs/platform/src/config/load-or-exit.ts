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
