import type { StreamedTable } from './stream-proxy';
import type { Item } from './stream-records';

function keysOf(table: StreamedTable, item: Item): Item {
  const { partitionKey, sortKey } = table.definition;
  const keys: Item = {};
  if (item[partitionKey]) keys[partitionKey] = item[partitionKey];
  if (item[sortKey]) keys[sortKey] = item[sortKey];
  return keys;
}

/** Every (table, key) a write touches, in request order. */
export function touched(
  tables: ReadonlyMap<string, StreamedTable>,
  operation: string,
  input: Record<string, unknown>,
) {
  const result: { table: StreamedTable; key: Item }[] = [];
  const add = (tableName: unknown, item: unknown) => {
    const table = typeof tableName === 'string' ? tables.get(tableName) : undefined;
    if (table && item && typeof item === 'object')
      result.push({ table, key: keysOf(table, item as Item) });
  };
  if (operation === 'PutItem') add(input.TableName, input.Item);
  else if (operation === 'UpdateItem' || operation === 'DeleteItem')
    add(input.TableName, input.Key);
  else if (operation === 'BatchWriteItem') {
    for (const [tableName, writes] of Object.entries(
      (input.RequestItems ?? {}) as Record<string, unknown[]>,
    )) {
      for (const write of writes ?? []) {
        const request = write as {
          PutRequest?: { Item?: unknown };
          DeleteRequest?: { Key?: unknown };
        };
        add(tableName, request.PutRequest?.Item ?? request.DeleteRequest?.Key);
      }
    }
  }
  return result;
}
