import { ApiError } from '../api-error.js';
import { createCustomField, createCustomObject, savePermissionSet } from '../custom-metadata.js';
import {
  child,
  children,
  childText,
  escapeXml,
  find,
  parseXml,
  toXml,
  type XmlNode,
  type XmlValue,
} from '../xml.js';
import type { Reply, SandboxState } from './context.js';

/**
 * The Metadata API's SOAP endpoint (`/services/Soap/m/<version>`) for what `conn.metadata`
 * sends: createMetadata, upsertMetadata and readMetadata of CustomField, CustomObject and
 * PermissionSet. The session travels in the SOAP header, not in an Authorization header.
 */

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const ENVELOPE_CLOSE = '</soapenv:Body></soapenv:Envelope>';
const MUTATING = new Set([
  'createMetadata',
  'upsertMetadata',
  'updateMetadata',
  'deleteMetadata',
  'renameMetadata',
]);

export function soapFault(code: string, message: string): Reply {
  return {
    status: 500,
    contentType: 'text/xml; charset=utf-8',
    raw: `${ENVELOPE_OPEN}<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${code}: ${message}</faultstring></soapenv:Fault>${ENVELOPE_CLOSE}`,
  };
}

export interface SoapCall {
  readonly method: string;
  readonly sessionId: string | undefined;
  readonly node: XmlNode;
  readonly mutating: boolean;
}

export function readSoapCall(body: string): SoapCall {
  let doc: XmlNode;
  try {
    doc = parseXml(body);
  } catch {
    throw new ApiError(500, 'INVALID_XML', 'The request is not well-formed XML');
  }
  const envelope = child(doc, 'Envelope');
  const soapBody = envelope ? child(envelope, 'Body') : undefined;
  const call = soapBody?.children[0];
  if (!envelope || !call) throw new ApiError(500, 'INVALID_XML', 'No SOAP body found');
  const session = find(envelope, 'SessionHeader');
  return {
    method: call.name,
    sessionId: session ? childText(session, 'sessionId') : undefined,
    node: call,
    mutating: MUTATING.has(call.name),
  };
}

/** XML element → plain value: repeated children become arrays, leaf elements strings. */
function plain(node: XmlNode): XmlValue {
  if (node.children.length === 0) return node.text.trim();
  const out: Record<string, XmlValue> = {};
  for (const c of node.children) {
    const v = plain(c);
    const prev = out[c.name];
    out[c.name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const asList = (v: XmlValue | undefined): XmlValue[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const str = (v: XmlValue | undefined) => (typeof v === 'string' ? v : undefined);
const num = (v: XmlValue | undefined) => (typeof v === 'string' && v !== '' ? Number(v) : undefined);

function fieldMeta(m: Record<string, XmlValue>) {
  return {
    type: str(m['type']),
    label: str(m['label']),
    precision: num(m['precision']),
    scale: num(m['scale']),
    length: num(m['length']),
    description: str(m['description']),
    referenceTo: str(m['referenceTo']),
    relationshipName: str(m['relationshipName']),
  };
}

function saveOne(
  state: SandboxState,
  type: string,
  m: Record<string, XmlValue>,
  upsert: boolean,
): { created: boolean } {
  const fullName = str(m['fullName']) ?? '';
  if (type === 'CustomField') {
    const [objectName, fieldName] = fullName.split('.');
    const exists = state.store
      .table(objectName ?? '')
      ?.def.fields.some((f) => f.name.toLowerCase() === (fieldName ?? '').toLowerCase());
    if (exists && upsert) return { created: false };
    createCustomField(state.store, fullName, fieldMeta(m));
    return { created: true };
  }
  if (type === 'CustomObject') {
    if (state.store.table(fullName) && upsert) return { created: false };
    const fields = asList(m['fields']).map((f) => {
      const o = f as Record<string, XmlValue>;
      return { fullName: str(o['fullName']) ?? '', ...fieldMeta(o) };
    });
    createCustomObject(state.store, fullName, {
      label: str(m['label']),
      pluralLabel: str(m['pluralLabel']),
      fields,
    });
    return { created: true };
  }
  if (type === 'PermissionSet') {
    const fieldPermissions = asList(m['fieldPermissions']).map((f) => {
      const o = f as Record<string, XmlValue>;
      return {
        field: str(o['field']) ?? '',
        readable: o['readable'] === 'true',
        editable: o['editable'] === 'true',
      };
    });
    const r = savePermissionSet(
      state.store,
      fullName,
      { label: str(m['label']), description: str(m['description']), fieldPermissions },
      upsert ? 'upsert' : 'create',
    );
    return { created: r.created };
  }
  throw new ApiError(400, 'INVALID_TYPE', `The sandbox's Metadata API does not handle ${type}`);
}

function saveMetadata(state: SandboxState, call: SoapCall, upsert: boolean): string {
  const items = children(call.node, 'metadata');
  if (items.length > 10)
    throw new ApiError(500, 'EXCEEDED_ID_LIMIT', 'Too many metadata components: the limit is 10 per call');
  return items
    .map((item) => {
      const type = (item.attrs['xsi:type'] ?? '').replace(/^.*:/, '');
      const m = plain(item) as Record<string, XmlValue>;
      const fullName = str(m['fullName']) ?? '';
      try {
        const { created } = saveOne(state, type, typeof m === 'object' ? m : {}, upsert);
        return toXml('result', { ...(upsert ? { created } : {}), fullName, success: true });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        const errors = { fields: [...(e.fields ?? [])], message: e.message, statusCode: e.errorCode };
        return toXml('result', { ...(upsert ? { created: false } : {}), errors, fullName, success: false });
      }
    })
    .join('');
}

function readMetadata(state: SandboxState, call: SoapCall): string {
  const type = childText(call.node, 'type') ?? '';
  const names = children(call.node, 'fullNames').map((n) => n.text.trim());
  const records = names.map((fullName) => {
    if (type === 'CustomField') {
      const [o, n] = fullName.split('.');
      const f = state.store
        .table(o ?? '')
        ?.def.fields.find((x) => x.custom && x.name.toLowerCase() === (n ?? '').toLowerCase());
      return f
        ? `<records xsi:type="CustomField"><fullName>${escapeXml(fullName)}</fullName><label>${escapeXml(f.label)}</label></records>`
        : '<records/>';
    }
    if (type === 'CustomObject') {
      const t = state.store.table(fullName);
      return t?.def.custom
        ? `<records xsi:type="CustomObject"><fullName>${escapeXml(fullName)}</fullName><label>${escapeXml(t.def.label)}</label></records>`
        : '<records/>';
    }
    if (type === 'PermissionSet') {
      const set = state.store.rowsOf('PermissionSet').find((r) => r['Name'] === fullName);
      return set
        ? `<records xsi:type="PermissionSet"><fullName>${escapeXml(fullName)}</fullName><label>${escapeXml(String(set['Label']))}</label></records>`
        : '<records/>';
    }
    return '<records/>';
  });
  return `<result>${records.join('')}</result>`;
}

/** Dispatches an authenticated call; SOAP errors become faults, per-item errors stay in results. */
export function handleMetadataCall(state: SandboxState, call: SoapCall): Reply {
  let inner: string;
  try {
    if (call.method === 'createMetadata') inner = saveMetadata(state, call, false);
    else if (call.method === 'upsertMetadata') inner = saveMetadata(state, call, true);
    else if (call.method === 'readMetadata') inner = readMetadata(state, call);
    else return soapFault('UNKNOWN_EXCEPTION', `The sandbox does not implement ${call.method}`);
  } catch (e) {
    if (e instanceof ApiError) return soapFault(e.errorCode, e.message);
    throw e;
  }
  return {
    status: 200,
    contentType: 'text/xml; charset=utf-8',
    raw: `${ENVELOPE_OPEN}<${call.method}Response>${inner}</${call.method}Response>${ENVELOPE_CLOSE}`,
  };
}
