/**
 * Checks a raw JSON response against @hubspot/api-client's own model classes: every field in a
 * model's attribute type map, with the wire name (`baseName`) and the declared type. Which
 * fields are optional comes from the model's .d.ts (`'name'?:`), since the type map omits it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const packageRoot = dirname(require.resolve('@hubspot/api-client/package.json'));

interface Attribute {
  readonly name: string;
  readonly baseName: string;
  readonly type: string;
}
interface ModelClass {
  getAttributeTypeMap(): readonly Attribute[];
}

export interface ShapeReport {
  /** `Model.field: problem` for every mismatch. */
  readonly problems: string[];
  /** Optional fields absent somewhere in the response, as `Model.field`. */
  readonly absentOptional: Set<string>;
}

/** `family` is the codegen folder, e.g. `crm/deals`, `crm/owners`, `oauth`. */
export function checkShape(family: string, model: string, value: unknown): ShapeReport {
  const models = require(join(packageRoot, 'lib/codegen', family, 'models/all.js')) as Record<
    string,
    unknown
  >;
  const report: ShapeReport = { problems: [], absentOptional: new Set() };
  checkModel(family, models, model, value, model, report);
  return report;
}

function optionalFields(family: string, model: string): Set<string> {
  const source = readFileSync(join(packageRoot, 'lib/codegen', family, 'models', `${model}.d.ts`), 'utf8');
  return new Set([...source.matchAll(/'(\w+)'\?:/g)].map((m) => m[1]!));
}

function checkModel(
  family: string,
  models: Record<string, unknown>,
  model: string,
  value: unknown,
  path: string,
  report: ShapeReport,
): void {
  const cls = models[model] as ModelClass | undefined;
  if (!cls) {
    report.problems.push(`${path}: no model ${model}`);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report.problems.push(`${path}: expected an object for ${model}`);
    return;
  }
  const optional = optionalFields(family, model);
  const record = value as Record<string, unknown>;
  for (const attribute of cls.getAttributeTypeMap()) {
    const field = record[attribute.baseName];
    if (field === undefined) {
      if (optional.has(attribute.name)) report.absentOptional.add(`${model}.${attribute.name}`);
      else report.problems.push(`${path}.${attribute.baseName}: required by ${model} but missing`);
      continue;
    }
    checkType(family, models, attribute.type, field, `${path}.${attribute.baseName}`, report);
  }
}

function checkType(
  family: string,
  models: Record<string, unknown>,
  type: string,
  value: unknown,
  path: string,
  report: ShapeReport,
): void {
  if (!typeMatches(family, models, type, value, path, report)) {
    report.problems.push(`${path}: ${JSON.stringify(value)?.slice(0, 60)} is not ${type}`);
  }
}

/** False on a mismatch at this level; nested mismatches are reported by the recursion. */
function typeMatches(
  family: string,
  models: Record<string, unknown>,
  type: string,
  value: unknown,
  path: string,
  report: ShapeReport,
): boolean {
  if (type === 'any') return true;
  if (type.includes(' | null')) {
    if (value !== null) checkType(family, models, type.replace(' | null', ''), value, path, report);
    return true;
  }
  if (type === 'string') return typeof value === 'string';
  if (type === 'number') return typeof value === 'number';
  if (type === 'boolean') return typeof value === 'boolean';
  // The client parses these with `new Date(...)`; HubSpot sends ISO-8601 instants.
  if (type === 'Date')
    return typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value) && !Number.isNaN(Date.parse(value));
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return false;
    value.forEach((item, k) => {
      checkType(family, models, array[1]!, item, `${path}[${k}]`, report);
    });
    return true;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    for (const [k, v] of Object.entries(value)) checkType(family, models, map[1]!, v, `${path}.${k}`, report);
    return true;
  }
  if (type.endsWith('Enum')) {
    const values = Object.values((models[type] ?? {}) as Record<string, string>);
    return typeof value === 'string' && (values.length === 0 || values.includes(value));
  }
  checkModel(family, models, type, value, path, report);
  return true;
}
