import type { Config } from '../config.js';
import type { ConnectionStore } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import type { Logger, LogOutlet } from '../logger.js';
import { ExitCode, type ExitCodeValue } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import type { EngineEnv } from './engine-env.js';

/**
 * What a command needs, opened lazily: a command that only prints help touches nothing (not even
 * the modules of config, logger and database, which `prepare()` loads before an action runs),
 * and one that works gets checked services and a migrated database first (DESIGN.md §7).
 */
export interface Ready {
  readonly config: Config;
  readonly db: Db;
  readonly connections: ConnectionStore;
  readonly logger: Logger;
}

export interface CliContext {
  readonly io: CliIo;
  /** Loads what config() and logger() read; the program awaits it before any action. Idempotent. */
  prepare(): Promise<void>;
  config(): Config;
  logger(): Logger;
  /** The logger's lines go to `to` (a live display) until the returned function is called. */
  divertLogs(to: (line: string) => void): () => void;
  /** Checks Postgres and Redis, migrates, opens the pool. Idempotent. */
  ready(): Promise<Ready>;
  /** The queue, Redis and the connector factory, wired by the top of the house (src/app). */
  engine(): Promise<EngineEnv>;
  /** Runs `fn` when the command ends, success or not (last registered runs first). */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
  /** Ends the command with this code without throwing (e.g. a `sync` that was deferred). */
  setExitCode(code: ExitCodeValue): void;
  readonly exitCode: ExitCodeValue;
}

/** Handed down by src/app: the CLI surface never imports the queue, the workers or connectors' wiring. */
export interface CliWiring {
  readonly openEngine: (ctx: CliContext) => Promise<EngineEnv>;
}

const notWired: CliWiring = {
  openEngine: () =>
    Promise.reject(new Error('This program was built without the engine (src/app wires it).')),
};

export function createCliContext(io: CliIo, wiring: CliWiring = notWired): CliContext {
  let modules:
    | {
        readonly config: typeof import('../config.js');
        readonly logger: typeof import('../logger.js');
      }
    | undefined;
  let config: Config | undefined;
  let logger: Logger | undefined;
  let outlet: LogOutlet | undefined;
  let ready: Promise<Ready> | undefined;
  const closers: (() => Promise<void> | void)[] = [];
  let exitCode: ExitCodeValue = ExitCode.ok;

  const loaded = () => {
    if (!modules) throw new Error('CliContext.prepare() must be awaited before config() or logger().');
    return modules;
  };
  const getConfig = (): Config => {
    config ??= loaded().config.loadConfig(io.env);
    return config;
  };
  const getLogger = (): Logger => {
    outlet ??= loaded().logger.stderrOutlet();
    logger ??= loaded().logger.createLogger({ level: getConfig().logLevel, destination: outlet });
    return logger;
  };

  const ctx: CliContext = {
    io,
    get exitCode() {
      return exitCode;
    },
    setExitCode(code) {
      exitCode = code;
    },
    async prepare() {
      if (modules) return;
      const [configModule, loggerModule] = await Promise.all([
        import('../config.js'),
        import('../logger.js'),
      ]);
      modules ??= { config: configModule, logger: loggerModule };
    },
    config: getConfig,
    logger: getLogger,
    divertLogs(to) {
      getLogger();
      outlet?.divert(to);
      return () => outlet?.divert(null);
    },
    ready() {
      ready ??= (async () => {
        await ctx.prepare();
        const cfg = getConfig();
        const [{ checkServices }, { createDb }, { migrate }, { createConnectionStore }] = await Promise.all([
          import('../service-check.js'),
          import('../db.js'),
          import('../migrate.js'),
          import('../connections/connection-store.js'),
        ]);
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
    engine: () => wiring.openEngine(ctx),
    onClose(fn) {
      closers.push(fn);
    },
    async close() {
      for (const fn of closers.splice(0).reverse()) {
        await Promise.resolve(fn()).catch(() => {});
      }
    },
  };
  return ctx;
}
