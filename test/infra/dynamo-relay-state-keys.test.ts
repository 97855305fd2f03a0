import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../functions/core/relay';
import { DynamoRelayState } from '../../functions/infra/dynamo-relay-state';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynamo/embedded-dynamo';

let dynamo: EmbeddedDynamo;
let state: DynamoRelayState;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamo({ tablePrefix: `keys-${process.pid}-${Date.now()}` });
  state = new DynamoRelayState(dynamo.client, dynamo.tableNames.STATE_TABLE!);
});
afterAll(() => dynamo.close());

const delivery = (eventId: string, target: string): DeliveryRecord => ({
  eventId,
  target,
  status: 'retrying',
  attempts: 2,
  notBefore: '2026-11-28T05:00:00.000Z',
  updatedAt: '2026-11-28T04:55:00.000Z',
});

describe('DynamoDB relay state with keys over DynamoDB’s limits', () => {
  it('keeps and reads back a delivery whose target or event id is over the key limits, beside ordinary ones in one batch read', async () => {
    const longTarget = `web#gitple#${'x'.repeat(1100)}`;
    const longEvent = `evt-${'y'.repeat(2100)}`;
    const records = [
      delivery('evt-1', 'ivs#room'),
      delivery('evt-2', longTarget),
      delivery(longEvent, 'tigerconnect#group'),
    ];
    for (const record of records) await state.putDelivery(record);

    const found = await state.getDeliveries([
      ...records.map(({ eventId, target }) => ({ eventId, target })),
      { eventId: 'evt-unknown', target: longTarget },
    ]);

    expect([...found.values()]).toEqual(expect.arrayContaining(records));
    expect(found.size).toBe(3);
    expect(await state.getDelivery('evt-2', longTarget)).toEqual(records[1]);
  });

  it('keeps a message-id map entry for a channel id over the key limits', async () => {
    const origin = { provider: 'gitple' as const, channel: 'z'.repeat(2100), messageId: 'm1' };
    const copy = { provider: 'ivs' as const, channel: 'w'.repeat(1100), messageId: 'c1' };
    await state.putDelivery(delivery('evt-3', `ivs#${copy.channel}`), { origin, copy });

    expect(await state.findCopy(origin, copy)).toBe('c1');
    expect(await state.findOrigin(copy)).toEqual(origin);
  });
});
