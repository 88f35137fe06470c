import { ApiError } from './api-error.js';
import {
  opportunityFieldHistorySource,
  opportunityHistorySource,
  opportunitySource,
  STAGES,
  stamp,
} from './generator/deals.js';
import { leadHistorySource, leadSource } from './generator/leads.js';
import { buildOrgModel, type OrgModel, POD } from './generator/org-model.js';
import { quotaRows } from './generator/quotas.js';
import { customObject, type FieldDef, type ObjectDef, standardObjects, toolingObjects } from './schema.js';
import type { QueryTarget } from './soql/evaluator.js';
import { arraySource, type Row, Table, type Value } from './table.js';

export interface StoreOptions {
  readonly seed: number;
  readonly deals: number;
  readonly leads: number;
  readonly now: number;
  readonly multiCurrency: boolean;
  readonly unfairLeadStretch: boolean;
  readonly strictFieldPermissions: boolean;
  readonly manageUsers: boolean;
  /** The org's current instant; moves with the injected clock. */
  readonly orgNow: () => number;
}

export interface FieldWriteLog {
  readonly at: number;
  readonly object: string;
  readonly id: string;
  readonly field: string;
  readonly value: Value;
}

/**
 * The org's state: generated tables, what the API changed, custom metadata and permission
 * sets, and the rules for who may see and write which field.
 */
export class OrgStore {
  readonly model: OrgModel;
  private readonly tables = new Map<string, Table>();
  private readonly tooling = new Map<string, Table>();
  readonly fieldWrites: FieldWriteLog[] = [];
  private customPrefixes = 0;

  constructor(readonly options: StoreOptions) {
    this.model = buildOrgModel(options.seed, options.now, options.multiCurrency);
    const m = this.model;
    const defs = standardObjects({
      multiCurrency: options.multiCurrency,
      stageNames: STAGES.map((s) => s.label),
      currencies: m.currencies.map((c) => c.code),
    });
    const def = (name: string) => defs.find((d) => d.name === name)!;
    const leadOptions = {
      count: options.leads,
      opportunities: options.deals,
      unfair: options.unfairLeadStretch,
    };
    const add = (name: string, source: Table) => this.tables.set(name.toLowerCase(), source);
    add('Organization', new Table(def('Organization'), arraySource(m.rows.organization), POD));
    add('UserRole', new Table(def('UserRole'), arraySource(m.rows.roles), POD));
    add('User', new Table(def('User'), arraySource(m.rows.users), POD));
    add('Group', new Table(def('Group'), arraySource(m.rows.queues), POD));
    add('OpportunityStage', new Table(def('OpportunityStage'), arraySource(m.rows.stages), POD));
    add('RecordType', new Table(def('RecordType'), arraySource(m.rows.recordTypes), POD));
    add('Opportunity', new Table(def('Opportunity'), opportunitySource(m, options.deals), POD));
    add(
      'OpportunityHistory',
      new Table(def('OpportunityHistory'), opportunityHistorySource(m, options.deals), POD, [
        'OpportunityId',
      ]),
    );
    add(
      'OpportunityFieldHistory',
      new Table(def('OpportunityFieldHistory'), opportunityFieldHistorySource(m, options.deals), POD, [
        'OpportunityId',
      ]),
    );
    add('Lead', new Table(def('Lead'), leadSource(m, leadOptions), POD));
    add('LeadHistory', new Table(def('LeadHistory'), leadHistorySource(m, leadOptions), '5h', ['LeadId']));
    add(
      'ForecastingQuota',
      new Table(def('ForecastingQuota'), arraySource(quotaRows(m, options.deals), ['QuotaOwnerId']), POD, [
        'QuotaOwnerId',
      ]),
    );
    if (options.multiCurrency)
      add('CurrencyType', new Table(def('CurrencyType'), arraySource(m.rows.currencyTypes), POD));
    const profileSet = {
      Id: '',
      Name: 'X00eIntegrationProfile',
      Label: 'Integration Profile',
      Description: null,
      IsOwnedByProfile: true,
      PermissionsManageUsers: options.manageUsers,
      ...stamp(m.yearStart, m.integrationUserId),
    };
    const permissionSets = new Table(def('PermissionSet'), null, POD, []);
    const assignments = new Table(def('PermissionSetAssignment'), null, POD, [
      'AssigneeId',
      'PermissionSetId',
    ]);
    add('PermissionSet', permissionSets);
    add('FieldPermissions', new Table(def('FieldPermissions'), null, POD, ['ParentId']));
    add('PermissionSetAssignment', assignments);
    const profileSetId = permissionSets.insert(profileSet);
    assignments.insert({
      PermissionSetId: profileSetId,
      AssigneeId: m.integrationUserId,
      ...stamp(m.yearStart, m.integrationUserId),
    });
    for (const t of toolingObjects())
      this.tooling.set(t.name.toLowerCase(), new Table(t, null, POD, ['TableEnumOrId']));
  }

  now(): number {
    return Math.floor(this.options.orgNow() / 1000) * 1000;
  }

  table(name: string): Table | undefined {
    return this.tables.get(name.toLowerCase());
  }

  toolingTable(name: string): Table | undefined {
    return this.tooling.get(name.toLowerCase());
  }

  objects(): Table[] {
    return [...this.tables.values()];
  }

  /** Read/edit access of the integration user to a field (standard fields: always readable). */
  access(object: ObjectDef, f: FieldDef): { read: boolean; edit: boolean } {
    if (!f.custom || !this.options.strictFieldPermissions) return { read: true, edit: f.updateable };
    const key = `${object.name}.${f.name}`.toLowerCase();
    let read = false;
    let edit = false;
    const perms = this.table('FieldPermissions')!;
    for (const setId of this.assignedPermissionSets()) {
      for (const h of perms.lookup('ParentId', setId) ?? []) {
        const p = perms.row(h);
        if (!p || String(p['Field']).toLowerCase() !== key) continue;
        read ||= p['PermissionsRead'] === true || p['PermissionsEdit'] === true;
        edit ||= p['PermissionsEdit'] === true;
      }
    }
    return { read, edit: edit && f.updateable };
  }

  private assignedPermissionSets(): string[] {
    const assignments = this.table('PermissionSetAssignment')!;
    return (assignments.lookup('AssigneeId', this.model.integrationUserId) ?? [])
      .map((h) => assignments.row(h)?.['PermissionSetId'])
      .filter((v): v is string => typeof v === 'string');
  }

  /** Fields the integration user can see on an object (describe and SOQL both use this). */
  visibleFields(table: Table): FieldDef[] {
    return table.def.fields.filter((f) => this.access(table.def, f).read);
  }

  queryTarget(name: string, tooling: boolean): QueryTarget | undefined {
    const table = tooling ? this.toolingTable(name) : this.table(name);
    if (!table) return undefined;
    const fields = new Map(
      (tooling ? table.def.fields : this.visibleFields(table)).map((f) => [f.name.toLowerCase(), f]),
    );
    return { def: table.def, table, fields };
  }

  /** Creates a custom field; the caller has validated the name. Returns the CustomField id. */
  addCustomField(objectName: string, f: FieldDef): string {
    const table = this.table(objectName)!;
    table.def = { ...table.def, fields: [...table.def.fields, f] };
    return this.toolingTable('CustomField')!.insert({
      DeveloperName: f.name.replace(/__c$/, ''),
      TableEnumOrId: table.def.custom ? table.def.name : table.def.name,
      NamespacePrefix: null,
      FullName: `${table.def.name}.${f.name}`,
      ...stamp(this.now(), this.model.integrationUserId),
    });
  }

  /**
   * Deletes a custom field as Setup does: gone from describe, SOQL and the Tooling API, and its
   * field permissions go with it.
   */
  deleteCustomField(objectName: string, fieldName: string): void {
    const table = this.table(objectName);
    const f = table?.def.fields.find((x) => x.custom && x.name.toLowerCase() === fieldName.toLowerCase());
    if (!table || !f) throw new Error(`no custom field ${objectName}.${fieldName}`);
    table.def = { ...table.def, fields: table.def.fields.filter((x) => x !== f) };
    const fullName = `${table.def.name}.${f.name}`.toLowerCase();
    const tooling = this.toolingTable('CustomField')!;
    for (const h of [...tooling.handles()])
      if (String(tooling.row(h)?.['FullName']).toLowerCase() === fullName) tooling.hardDelete(h);
    const perms = this.table('FieldPermissions')!;
    for (const h of [...perms.handles()])
      if (String(perms.row(h)?.['Field']).toLowerCase() === fullName) perms.hardDelete(h);
  }

  addCustomObject(name: string, label: string, pluralLabel: string): string {
    this.customPrefixes += 1;
    const prefix = `a0${String.fromCharCode(64 + this.customPrefixes)}`;
    const def = customObject(name, label, pluralLabel, prefix);
    this.tables.set(name.toLowerCase(), new Table(def, null, POD));
    return this.toolingTable('CustomObject')!.insert({
      DeveloperName: name.replace(/__c$/, ''),
      NamespacePrefix: null,
      FullName: name,
      ...stamp(this.now(), this.model.integrationUserId),
    });
  }

  /**
   * Applies field changes to a record as Salesforce would: audit fields move, a stage change
   * writes OpportunityHistory, an owner change writes the two field-history rows.
   */
  applyUpdate(
    table: Table,
    handle: number,
    fields: Record<string, Value>,
    by = this.model.integrationUserId,
  ): void {
    const before = table.row(handle);
    if (!before) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const at = this.now();
    const changes: Record<string, Value> = {
      ...fields,
      LastModifiedDate: at,
      LastModifiedById: by,
      SystemModstamp: at,
    };
    const id = String(before['Id']);
    if (
      table.name === 'Opportunity' &&
      typeof fields['StageName'] === 'string' &&
      fields['StageName'] !== before['StageName']
    ) {
      const stage = STAGES.find((s) => s.label === fields['StageName']);
      if (stage) {
        Object.assign(changes, {
          IsClosed: stage.isClosed,
          IsWon: stage.isWon,
          ForecastCategory: stage.forecastCategory,
          ForecastCategoryName: stage.forecastCategoryName,
          LastStageChangeDate: at,
          ...(fields['Probability'] === undefined ? { Probability: stage.probability } : {}),
        });
      }
      const after = { ...before, ...changes };
      this.table('OpportunityHistory')!.insert({
        IsDeleted: false,
        OpportunityId: id,
        StageName: after['StageName'] ?? null,
        Amount: after['Amount'] ?? null,
        ExpectedRevenue: null,
        CloseDate: after['CloseDate'] ?? null,
        Probability: after['Probability'] ?? null,
        ForecastCategory: after['ForecastCategory'] ?? null,
        ...stamp(at, by),
      });
    }
    const historyTable =
      table.name === 'Opportunity' ? 'OpportunityFieldHistory' : table.name === 'Lead' ? 'LeadHistory' : null;
    if (historyTable && typeof fields['OwnerId'] === 'string' && fields['OwnerId'] !== before['OwnerId']) {
      const parent = table.name === 'Opportunity' ? 'OpportunityId' : 'LeadId';
      const history = this.table(historyTable)!;
      const oldId = before['OwnerId'] ?? null;
      const newId = fields['OwnerId'];
      history.insert({
        IsDeleted: false,
        [parent]: id,
        Field: 'Owner',
        DataType: 'EntityId',
        OldValue: oldId,
        NewValue: newId,
        ...stamp(at, by),
      });
      history.insert({
        IsDeleted: false,
        [parent]: id,
        Field: 'Owner',
        DataType: 'Text',
        OldValue: this.ownerName(oldId),
        NewValue: this.ownerName(newId),
        ...stamp(at, by),
      });
    }
    table.update(handle, changes);
    for (const [field, value] of Object.entries(fields))
      this.fieldWrites.push({ at, object: table.name, id, field, value });
  }

  private ownerName(id: Value): Value {
    if (typeof id !== 'string') return null;
    return this.table('User')?.get(id)?.['Name'] ?? this.table('Group')?.get(id)?.['Name'] ?? null;
  }

  /** Soft delete: the row stays for queryAll with IsDeleted = true, as in the recycle bin. */
  softDelete(table: Table, handle: number): void {
    const at = this.now();
    table.update(handle, { IsDeleted: true, SystemModstamp: at, LastModifiedDate: at });
    const parent = table.name === 'Opportunity' ? 'OpportunityId' : table.name === 'Lead' ? 'LeadId' : null;
    if (!parent) return;
    const id = String(table.row(handle)?.['Id']);
    for (const child of table.name === 'Opportunity'
      ? ['OpportunityHistory', 'OpportunityFieldHistory']
      : ['LeadHistory']) {
      const t = this.table(child)!;
      for (const h of t.lookup(parent, id) ?? []) t.update(h, { IsDeleted: true });
    }
  }

  rowsOf(name: string): Row[] {
    const t = this.table(name);
    if (!t) return [];
    return Array.from(t.handles(), (h) => t.row(h)).filter((r): r is Row => r !== undefined);
  }
}
