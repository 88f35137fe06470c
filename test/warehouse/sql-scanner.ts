/**
 * Finds, in one TypeScript source, the tables it writes and whether it touches SQL at all, for
 * the ownership rule of DESIGN §2 (one module per table group owns its writes; surfaces hold
 * no SQL). It reads code with comments and strings told apart, so a comment that says
 * "insert into deals" is no write, and a raw statement inside a template literal is one.
 */
export interface SourceScan {
  /** Tables named by a write: `insertInto('t')`, `updateTable('t')`, `deleteFrom('t')`, raw SQL. */
  readonly writes: readonly string[];
  /**
   * A write whose table is not in the text (`updateTable(name)`, `update ${sql.table(x)}`): the
   * module must then list what it writes in a `@writes a b` comment, or the scan says so.
   */
  readonly undeclaredDynamicWrite: boolean;
  /** Query builder calls or `sql` templates: what a surface (cli/, api/, demo/) must not have. */
  readonly touchesSql: boolean;
}

interface Split {
  /** The code with comments removed and every string and template body blanked. */
  readonly code: string;
  /** Each template literal's text, `${…}` replaced by `$EXPR`, with the code just before it. */
  readonly templates: readonly { readonly before: string; readonly text: string }[];
  readonly comments: readonly string[];
  /** Single- and double-quoted strings as they appear (quotes included), in order. */
  readonly strings: readonly string[];
}

/** A small lexer: enough of TypeScript to tell code, comments, strings and templates apart. */
function split(source: string): Split {
  let code = '';
  const templates: { before: string; text: string }[] = [];
  const comments: string[] = [];
  const strings: string[] = [];
  // Each open template: its text so far and the brace depth of its current `${`.
  const stack: { text: string; before: string; depth: number }[] = [];
  let depth = 0;
  let i = 0;
  const emit = (s: string) => {
    code += s;
  };
  while (i < source.length) {
    const c = source[i] as string;
    const next = source[i + 1];
    const top = stack[stack.length - 1];
    if (top && top.depth === -1) {
      // Inside a template's literal text.
      if (c === '\\') {
        top.text += source.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        stack.pop();
        templates.push({ before: top.before, text: top.text });
        emit('``');
        i++;
      } else if (c === '$' && next === '{') {
        top.text += '$EXPR';
        top.depth = depth;
        depth++;
        i += 2;
      } else {
        top.text += c;
        i++;
      }
      continue;
    }
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      comments.push(source.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      comments.push(source.slice(i, stop));
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      const literal = source.slice(i, j + 1);
      strings.push(literal);
      emit(literal);
      i = j + 1;
    } else if (c === '`') {
      stack.push({ text: '', before: code.slice(-200), depth: -1 });
      i++;
    } else if (c === '{') {
      depth++;
      emit(c);
      i++;
    } else if (c === '}') {
      depth--;
      if (top && top.depth === depth) {
        // The end of a `${…}`: back into the template's text.
        top.depth = -1;
      } else emit(c);
      i++;
    } else {
      emit(c);
      i++;
    }
  }
  return { code, templates, comments, strings };
}

const BUILDER_WRITE =
  /\.\s*(insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\s*\(\s*([^)]*?)\s*[,)]/g;
const BUILDER_ANY =
  /\.\s*(selectFrom|selectNoFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\s*\(/;
const RAW_WRITES = [
  /\binsert\s+into\s+(\$EXPR|[a-z_][a-z0-9_]*)/gi,
  /\bdelete\s+from\s+(\$EXPR|[a-z_][a-z0-9_]*)/gi,
  /\btruncate\s+(?:table\s+)?(\$EXPR|[a-z_][a-z0-9_]*)/gi,
  // `update t set`, `update t alias set`; not `do update set` (an upsert of the insert's table).
  /\bupdate\s+(?!set\b)(\$EXPR|[a-z_][a-z0-9_]*)(?:\s+(?:as\s+)?(?!set\b)[a-z_][a-z0-9_]*)?\s+set\b/gi,
];
const SQL_TAG = /\bsql\s*(?:<[^`]*>)?\s*(?:\.\s*\w+\s*)?$/;

export function scanSource(source: string): SourceScan {
  const { code, templates, comments } = split(source);
  const writes = new Set<string>();
  let dynamic = false;
  for (const match of code.matchAll(BUILDER_WRITE)) {
    const argument = match[2] ?? '';
    const literal = /^'([a-z_][a-z0-9_]*)'$/.exec(argument) ?? /^"([a-z_][a-z0-9_]*)"$/.exec(argument);
    if (literal?.[1]) writes.add(literal[1]);
    else dynamic = true;
  }
  for (const template of templates) {
    for (const pattern of RAW_WRITES) {
      for (const match of template.text.matchAll(pattern)) {
        const table = (match[1] ?? '').toLowerCase();
        if (table === '$expr') dynamic = true;
        else writes.add(table);
      }
    }
  }
  const declared = comments.flatMap((c) =>
    [...c.matchAll(/@writes((?:\s+[a-z_][a-z0-9_]*)+)/g)].flatMap((m) => (m[1] ?? '').trim().split(/\s+/)),
  );
  for (const table of declared) writes.add(table);
  const touchesSql =
    BUILDER_ANY.test(code) ||
    /\bsql\s*\.\s*(raw|table|ref|id|lit|join|val)\s*\(/.test(code) ||
    templates.some((t) => SQL_TAG.test(t.before));
  return {
    writes: [...writes].sort(),
    undeclaredDynamicWrite: dynamic && declared.length === 0,
    touchesSql,
  };
}

export interface Violation {
  readonly file: string;
  /** A table, or `*sql*` for SQL in a surface, or `*dynamic*` for an undeclared dynamic write. */
  readonly table: string;
  readonly rule: string;
}

/** Where writes may live: the ground floor's warehouse modules and the connection store. */
export const WRITER_FOLDERS = ['src/warehouse/', 'src/connections/'] as const;
/** Surfaces: they parse, call and render, and hold no SQL at all. */
export const SURFACE_FOLDERS = ['src/cli/', 'src/api/', 'src/demo/'] as const;

/**
 * Every rule over a set of files (path → source): writes only from the writer folders, every
 * table written by exactly one module, no SQL in surfaces. `allowed` are known violations that
 * do not count (each must still occur, so a fixed one leaves the list). Returns what is left,
 * and which tables each module writes.
 */
export function checkOwnership(
  files: ReadonlyMap<string, string>,
  allowed: readonly { readonly file: string; readonly table: string }[] = [],
): { violations: Violation[]; writers: Map<string, string[]>; unusedAllowances: string[] } {
  const isAllowed = (file: string, table: string) =>
    allowed.some((a) => a.file === file && a.table === table);
  const used = new Set<string>();
  const violations: Violation[] = [];
  const writers = new Map<string, string[]>();
  const note = (file: string, table: string, rule: string) => {
    if (isAllowed(file, table)) used.add(`${file} ${table}`);
    else violations.push({ file, table, rule });
  };
  for (const [file, source] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const scan = scanSource(source);
    if (scan.undeclaredDynamicWrite)
      note(file, '*dynamic*', 'writes a table it does not name: list them in a `@writes a b` comment');
    if (SURFACE_FOLDERS.some((f) => file.startsWith(f)) && scan.touchesSql)
      note(file, '*sql*', 'a surface holds no SQL: call a query function of src/warehouse/');
    for (const table of scan.writes) {
      if (!WRITER_FOLDERS.some((f) => file.startsWith(f))) {
        note(file, table, `writes ${table} outside ${WRITER_FOLDERS.join(' and ')}`);
        if (isAllowed(file, table)) continue;
      }
      writers.set(table, [...(writers.get(table) ?? []), file]);
    }
  }
  for (const [table, modules] of writers) {
    if (modules.length > 1)
      for (const file of modules)
        note(
          file,
          table,
          `${table} is written by ${modules.length} modules (${modules.join(', ')}); one owns it`,
        );
  }
  const unusedAllowances = allowed
    .filter((a) => !used.has(`${a.file} ${a.table}`))
    .map((a) => `${a.file} ${a.table}`);
  return { violations, writers, unusedAllowances };
}
