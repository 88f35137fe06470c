/**
 * The describe vocabulary of the sandbox: field and object definitions as Salesforce reports
 * them, and `field()`, which fills in Salesforce's defaults for a field of a given SOAP type.
 */

export type SoapType =
  | 'id'
  | 'string'
  | 'picklist'
  | 'currency'
  | 'double'
  | 'percent'
  | 'int'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'email'
  | 'textarea'
  | 'anyType';

export interface FieldDef {
  readonly name: string;
  readonly type: SoapType;
  readonly label: string;
  readonly custom: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly nillable: boolean;
  readonly length: number;
  readonly precision: number;
  readonly scale: number;
  readonly referenceTo: readonly string[];
  readonly relationshipName: string | null;
  readonly picklistValues: readonly string[];
  readonly calculated: boolean;
}

export interface ObjectDef {
  readonly name: string;
  readonly label: string;
  readonly labelPlural: string;
  readonly keyPrefix: string;
  readonly custom: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly deletable: boolean;
  /** Objects without IsDeleted (User, Organization...) never show up deleted. */
  readonly hasIsDeleted: boolean;
  readonly fields: readonly FieldDef[];
}

export type FieldOptions = Partial<Omit<FieldDef, 'name' | 'type'>>;

const LENGTHS: Partial<Record<SoapType, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  picklist: 255,
  email: 80,
  textarea: 32000,
};

export function field(name: string, type: SoapType, options: FieldOptions = {}): FieldDef {
  const label =
    options.label ??
    name
      .replace(/__c$/, '')
      .replace(/Id$/, type === 'reference' ? ' ID' : 'Id')
      .replace(/_/g, ' ')
      .replace(/([a-z])([A-Z])/g, '$1 $2');
  return {
    name,
    type,
    label,
    custom: options.custom ?? name.endsWith('__c'),
    createable: options.createable ?? options.updateable ?? false,
    updateable: options.updateable ?? false,
    nillable: options.nillable ?? type !== 'boolean',
    length: options.length ?? LENGTHS[type] ?? 0,
    precision:
      options.precision ?? (type === 'currency' ? 18 : type === 'percent' || type === 'double' ? 18 : 0),
    scale: options.scale ?? (type === 'currency' ? 2 : type === 'percent' ? 0 : type === 'double' ? 2 : 0),
    referenceTo: options.referenceTo ?? [],
    relationshipName: options.relationshipName ?? null,
    picklistValues: options.picklistValues ?? [],
    calculated: options.calculated ?? false,
  };
}
