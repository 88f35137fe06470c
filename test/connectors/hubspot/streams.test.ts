import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint, Deal, Page } from '../../../connectors/connector.js';
import {
  createHubspotConnector,
  type HubspotConnector,
  parseCheckpoint,
} from '../../../connectors/hubspot/index.js';
import { type HubspotSandbox, startHubspotSandbox } from '../../../sandboxes/hubspot/index.js';

/**
 * Resuming the deal stream from the checkpoint of any page reads exactly what was left: a killed
 * first sync (list cursor) and a killed incremental one (search window, `hs_object_id > lastId`).
 */
describe('HubSpot deal stream checkpoints', () => {
  let sandbox: HubspotSandbox;
  let connector: HubspotConnector;
  let now = Date.now();
  beforeAll(async () => {
    sandbox = await startHubspotSandbox({ seed: 4, deals: 1_050, contacts: 5 });
    connector = createHubspotConnector({
      baseUrl: sandbox.baseUrl,
      deps: {
        fetch: globalThis.fetch,
        clock: { now: () => new Date(now), sleep: async () => {} },
        budget: { acquire: async () => {}, observe: async () => {} },
        tokens: {
          load: async () => ({ method: 'private_app', accessToken: sandbox.accessToken }),
          save: async () => {},
        },
      },
    });
  });
  afterAll(() => sandbox.close());

  /** Reads pages until `stopAfter` (then "crashes"), returning the ids read and the last checkpoint. */
  async function read(since: Checkpoint | null, stopAfter = Number.POSITIVE_INFINITY) {
    const ids: string[] = [];
    let checkpoint: Checkpoint | null = since;
    let pages = 0;
    const deleted: string[] = [];
    for await (const page of connector.deals(since) as AsyncIterable<Page<Deal>>) {
      ids.push(...page.records.map((d) => d.externalId));
      deleted.push(...page.deletedIds);
      checkpoint = page.checkpoint;
      if (++pages === stopAfter) break;
    }
    return { ids, checkpoint, deleted };
  }

  it('a first sync killed after 4 list pages resumes at the cursor and then goes idle', async () => {
    const head = await read(null, 4);
    expect(head.ids).toHaveLength(400);
    expect(parseCheckpoint(head.checkpoint)).toMatchObject({ phase: 'list', until: now });
    const tail = await read(head.checkpoint);
    const all = [...sandbox.data.deals()].map((d) => d.id);
    expect([...head.ids, ...tail.ids]).toEqual(all);
    expect(tail.checkpoint).toEqual({ v: 1, phase: 'idle', until: now });
  });

  it('an incremental sync killed mid-search resumes after the last id in the same window', async () => {
    const first = await read(null);
    const ids = [...sandbox.data.deals()].map((d) => d.id);
    const editAt = now + 1_000;
    const edited = ids.filter((_, k) => k % 3 === 0);
    for (const id of edited) sandbox.editDeal(id, { dealname: `edited ${id}` }, editAt);
    sandbox.archiveDeal(ids[1]!, editAt);
    now += 60 * 60_000;
    const head = await read(first.checkpoint, 1);
    expect(head.ids).toHaveLength(200);
    expect(parseCheckpoint(head.checkpoint)).toMatchObject({ phase: 'search', lastId: head.ids.at(-1) });
    // The edit after the window was fixed belongs to the next run, not this one.
    sandbox.editDeal(ids[2]!, { dealname: 'too late' }, now + 1);
    const tail = await read(head.checkpoint);
    expect([...head.ids, ...tail.ids].sort()).toEqual([...edited].sort());
    expect(tail.deleted).toContain(ids[1]);
    expect(tail.checkpoint).toEqual({ v: 1, phase: 'idle', until: now });
    now += 1_000;
    const next = await read(tail.checkpoint);
    expect(next.ids).toEqual([ids[2]]);
  });
});
