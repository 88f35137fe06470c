import { isMap, isScalar, type LineCounter, type Node, type parseDocument } from 'yaml';
import type { z } from 'zod';

/**
 * Problems of a YAML file the product validates whole (routing rules, comp plans): each with the
 * line a person opens the file at and the dotted path of the value, worded for that person
 * rather than in zod's vocabulary. On the ground floor because several stages read such files
 * and stages may not import one another.
 */
export interface YamlProblem {
  readonly line: number | null;
  /** Dotted path into the file, e.g. `pools.1.capacity.perDay`. */
  readonly path: string;
  readonly message: string;
}

export type YamlPath = readonly (string | number)[];

/** How a value reads in a message: "a list", "string \"x\"", "nothing". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function valueAt(data: unknown, path: YamlPath): unknown {
  let here = data;
  for (const step of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string | number, unknown>)[step];
  }
  return here;
}

/** The parser's own errors (bad indentation, a tab), one problem each, without its position suffix. */
export function syntaxProblems(doc: ReturnType<typeof parseDocument>): YamlProblem[] {
  return doc.errors.map((error) => ({
    line: error.linePos?.[0].line ?? null,
    path: '',
    message: (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, ''),
  }));
}

export class YamlProblemList {
  readonly problems: YamlProblem[] = [];
  constructor(
    private readonly doc: ReturnType<typeof parseDocument>,
    private readonly lines: LineCounter,
  ) {}

  /** The line of the node at `path` (or of its key `key`), else of its nearest parent that exists. */
  lineOf(path: YamlPath, key?: string): number | null {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const at = path.slice(0, depth);
      const node = (at.length === 0 ? this.doc.contents : this.doc.getIn(at, true)) as Node | undefined;
      if (node === undefined || node === null) continue;
      if (key !== undefined && depth === path.length && isMap(node)) {
        const found = node.items.find((p) => isScalar(p.key) && p.key.value === key);
        const keyNode = found?.key as Node | undefined;
        if (keyNode?.range) return this.lines.linePos(keyNode.range[0]).line;
      }
      if (node.range) return this.lines.linePos(node.range[0]).line;
    }
    return null;
  }

  add(path: YamlPath, message: string, key?: string): void {
    const full = key === undefined ? path : [...path, key];
    this.problems.push({ line: this.lineOf(path, key), path: full.join('.'), message });
  }

  /** Zod's issues in this file's words, each at its line. */
  addZod(base: YamlPath, error: z.ZodError, data: unknown): void {
    for (const issue of error.issues) {
      const path = [...base, ...(issue.path as (string | number)[])];
      const got = valueAt(data, issue.path as (string | number)[]);
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) this.add(path, `unknown key "${key}"`, key);
      } else if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
        const wanted = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
        this.add(path, got === undefined ? 'is required' : `${wanted}, got ${describeValue(got)}`);
      } else if (issue.code === 'invalid_value') {
        this.add(path, `expected one of ${issue.values.join(', ')}, got ${describeValue(got)}`);
      } else {
        this.add(path, issue.message);
      }
    }
  }
}
