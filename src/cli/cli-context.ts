import { type Config, loadConfig } from '../config.js';
import { type ConnectionStore, createConnectionStore } from '../connections/connection-store.js';
import { createDb, type Db } from '../db.js';
import { createLogger, type Logger } from '../logger.js';
import { migrate } from '../migrate.js';
import { checkServices } from '../service-check.js';
import { ExitCode, type ExitCodeValue } from './cli-error.js';
import type { CliIo } from './cli-io.js';

/**
 * What a command needs, opened lazily: a command that only prints help touches nothing, and
 * one that works gets checked services and a migrated database first (DESIGN.md §7).
 */
export interface Ready {
  readonly config: Config;
  readonly db: Db;
  readonly connections: ConnectionStore;
  readonly logger: Logger;
}

export interface CliContext {
  readonly io: CliIo;
  config(): Config;
  logger(): Logger;
  /** Checks Postgres and Redis, migrates, opens the pool. Idempotent. */
  ready(): Promise<Ready>;
  /** Runs `fn` when the command ends, success or not (last registered runs first). */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
  /** Ends the command with this code without throwing (e.g. a `sync` that was deferred). */
  setExitCode(code: ExitCodeValue): void;
  readonly exitCode: ExitCodeValue;
}

export function createCliContext(io: CliIo): CliContext {
  let config: Config | undefined;
  let logger: Logger | undefined;
  let ready: Promise<Ready> | undefined;
  const closers: (() => Promise<void> | void)[] = [];
  let exitCode: ExitCodeValue = ExitCode.ok;

  const getConfig = (): Config => {
    config ??= loadConfig(io.env);
    return config;
  };
  const getLogger = (): Logger => {
    logger ??= createLogger({ level: getConfig().logLevel });
    return logger;
  };

  return {
    io,
    get exitCode() {
      return exitCode;
    },
    setExitCode(code) {
      exitCode = code;
    },
    config: getConfig,
    logger: getLogger,
    ready() {
      ready ??= (async () => {
        const cfg = getConfig();
        await checkServices(cfg.databaseUrl, cfg.redisUrl, cfg.serviceTimeoutMs);
        const db = createDb(cfg.databaseUrl);
        closers.push(() => db.destroy());
        await migrate(db, cfg.databaseUrl);
        return {
          config: cfg,
          db,
          connections: createConnectionStore(db, {
            current: cfg.secretKey,
            previous: cfg.previousSecretKeys,
          }),
          logger: getLogger(),
        };
      })();
      return ready;
    },
    onClose(fn) {
      closers.push(fn);
    },
    async close() {
      for (const fn of closers.splice(0).reverse()) {
        await Promise.resolve(fn()).catch(() => {});
      }
    },
  };
}
