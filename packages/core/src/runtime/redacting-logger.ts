import type { KnownSecrets } from '../connections/known-secrets';
import type { EngineLogger } from './engine-core';

/** The host's logger behind a scrub of every secret this engine has decrypted. */
export function redactingLogger(logger: EngineLogger, secrets: KnownSecrets): EngineLogger {
  const write =
    (level: keyof EngineLogger) =>
    (message: string, data?: Record<string, unknown>): void => {
      const redactor = secrets.redactor();
      if (!redactor.active) {
        logger[level](message, data);
        return;
      }
      logger[level](redactor.redactString(message), data === undefined ? undefined : redactor.redactValue(data));
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
