/**
 * An error the sandbox answers the way Salesforce's REST API does: an HTTP status and a JSON
 * array `[{ message, errorCode, fields? }]`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: readonly string[],
  ) {
    super(message);
    this.name = errorCode;
  }

  toBody(): { message: string; errorCode: string; fields?: readonly string[] }[] {
    return [
      { message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: this.fields } : {}) },
    ];
  }
}

/**
 * Salesforce points at the offending spot of a query: the query line, a caret under the
 * column, then `ERROR at Row:R:Column:C` and the reason.
 */
export function queryError(errorCode: string, soql: string, pos: number, reason: string): ApiError {
  const before = soql.slice(0, pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = pos - lineStart + 1;
  const lineEnd = soql.indexOf('\n', pos);
  const line = soql.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const caret = `${' '.repeat(column - 1)}^`;
  return new ApiError(400, errorCode, `\n${line}\n${caret}\nERROR at Row:${row}:Column:${column}\n${reason}`);
}
