import type { CrmConnector, FieldReport } from '../../connectors/connector.js';
import type { Connection } from '../connections/connection-store.js';
import type { Db } from '../db.js';
import { provisionedFieldsHash, recordFieldsProvisioned } from '../warehouse/push-tables.js';
import { fieldSpecs, mappedFields, specsHash } from './field-specs.js';

/**
 * Field provisioning, for the push stage and `salesops fields ensure` alike: ensure the
 * connection's mapped fields in the CRM, then record which specs were provisioned (a hash of
 * them). The push calls ensureFields only when that record differs — the first push, or after a
 * mapping change — so a connection whose fields exist costs no call.
 */
export type FieldProvisioner = Pick<CrmConnector, 'ensureFields'>;

export async function provisionFields(
  db: Db,
  connection: Connection,
  connector: FieldProvisioner,
  opts: { readonly dryRun: boolean },
): Promise<FieldReport> {
  const specs = fieldSpecs(mappedFields(connection));
  const report = await connector.ensureFields(specs, { dryRun: opts.dryRun });
  // A dry run created nothing, so nothing is provisioned yet.
  if (!opts.dryRun) await recordFieldsProvisioned(db, connection.id, specsHash(specs));
  return report;
}

/** Whether the connection's current field specs are the ones last provisioned. */
export async function fieldsProvisioned(db: Db, connection: Connection): Promise<boolean> {
  return (await provisionedFieldsHash(db, connection.id)) === specsHash(fieldSpecs(mappedFields(connection)));
}
