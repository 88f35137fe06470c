/**
 * The top frames by self time of the V8 CPU profiles (`node --cpu-prof`) a child wrote, so the
 * benchmark can say what bounds a sync (issue 17's "Done when": the top ten frames).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Frame {
  readonly frame: string;
  readonly selfMs: number;
  /** Of all sampled time, idle included. */
  readonly share: number;
}

/** Sums self time per function (name, file, line) over every profile in `dir`. */
export function topFrames(dir: string, root: string, count = 10): Frame[] {
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const names = new Map<number, string>();
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url.replace(`file://${root}`, '').replace(/^.*\/node_modules\//, 'node_modules/');
      names.set(node.id, `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`);
    }
    // timeDeltas[i] is the time from sample i-1 to sample i: it belongs to the frame of sample i.
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      const name = names.get(id) ?? '?';
      selfUs.set(name, (selfUs.get(name) ?? 0) + us);
      totalUs += us;
    });
  }
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, us]) => ({
      frame,
      selfMs: Math.round(us / 1000),
      share: Math.round((us / Math.max(totalUs, 1)) * 1000) / 1000,
    }));
}
