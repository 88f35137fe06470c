/**
 * Salesforce record ids: a 3-character key prefix, a 2-character pod, a reserved character and
 * a 9-character base-62 record number, plus the 3-character case-safe suffix that makes the
 * 18-character form. Generated rows get ids derived from their index, so an id can be turned
 * back into the row it names without any lookup table (the store never holds 1M ids).
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 18-character form of a 15-character id. */
export function caseSafeId(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) flags |= 1 << i;
    }
    suffix += SUFFIX[flags];
  }
  return id15 + suffix;
}

/**
 * `pod` is two characters; tables that share a key prefix (the field-history tables) use
 * different pods so their ids never collide.
 */
export function recordId(prefix: string, pod: string, n: number): string {
  let digits = '';
  let rest = n;
  for (let i = 0; i < 9; i++) {
    digits = BASE62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  }
  return caseSafeId(`${prefix}${pod}0${digits}`);
}

/** The record number inside an id of this prefix and pod, or undefined when it is not one. */
export function recordNumber(id: string, prefix: string, pod: string): number | undefined {
  const full = normalizeId(id);
  if (full === undefined || !full.startsWith(prefix + pod + '0')) return undefined;
  let n = 0;
  for (let i = 6; i < 15; i++) {
    const d = BASE62.indexOf(full.charAt(i));
    if (d < 0) return undefined;
    n = n * 62 + d;
  }
  return n;
}

const ID_SHAPE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-5]{3})?$/;

/**
 * Salesforce accepts 15- and 18-character ids wherever an id goes; the 18-character form is
 * case-insensitive, so a wrongly-cased 18-character id still resolves.
 */
export function normalizeId(id: string): string | undefined {
  if (!ID_SHAPE.test(id)) return undefined;
  if (id.length === 15) return caseSafeId(id);
  // The suffix records which of the first 15 characters are upper case: restore them from it.
  let id15 = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const flags = SUFFIX.indexOf(id.charAt(15 + chunk).toUpperCase());
    if (flags < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const c = id.charAt(chunk * 5 + i);
      id15 += flags & (1 << i) ? c.toUpperCase() : c.toLowerCase();
    }
  }
  const full = caseSafeId(id15);
  return full.toUpperCase() === id.toUpperCase() ? full : undefined;
}

export function isIdShaped(id: string): boolean {
  return normalizeId(id) !== undefined;
}
