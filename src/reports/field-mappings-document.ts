import type { Connection } from '../connections/connection-store.js';
import { DEFAULT_FIELDS, fieldMappingsOf } from '../push/field-specs.js';

/** One push-back field: which metric is written where, or switched off (`fields list`). */
export type FieldMappingRow = {
  readonly metric: string;
  readonly object: string;
  readonly field: string | null;
  readonly enabled: boolean;
  readonly type: string;
  readonly label: string;
};

/** The `fields list --json` document, shared by the CLI and the API. */
export function fieldMappingsDocument(connection: Connection): {
  readonly connection: string;
  readonly fields: FieldMappingRow[];
} {
  const mappings = fieldMappingsOf(connection);
  const fields = DEFAULT_FIELDS.map((f) => {
    const target = mappings[f.metric];
    return {
      metric: f.metric,
      object: f.object,
      field: target === false ? null : (target ?? f.metric),
      enabled: target !== false,
      type: f.type,
      label: f.label,
    };
  });
  return { connection: connection.name, fields };
}
