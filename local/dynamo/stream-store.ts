import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { crc32 } from 'node:zlib';
import type { Item } from './stream-records';

export interface Forwarded {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An answer with another body; its checksum header (DynamoDB's x-amz-crc32) follows it. */
export function withBody(answer: Forwarded, body: Buffer): Forwarded {
  const headers = { ...answer.headers };
  if (headers['x-amz-crc32'] !== undefined) headers['x-amz-crc32'] = String(crc32(body));
  return { ...answer, headers, body };
}

/** The store behind the stream proxy: requests forwarded unchanged, and its own reads. */
export function storeClient(target: URL) {
  const forward = (headers: IncomingHttpHeaders, path: string, body: Buffer): Promise<Forwarded> =>
    new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path,
          method: 'POST',
          headers: { ...headers, host: target.host, 'content-length': String(body.length) },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 500,
              headers: incoming.headers,
              body: Buffer.concat(chunks),
            }),
          );
          incoming.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  /** A consistent read straight from the store, bypassing the proxy. */
  const getItem = async (tableName: string, key: Item): Promise<Item | undefined> => {
    const answer = await forward(
      {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.GetItem',
        // dynalite wants a signature-shaped header; it does not check it.
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20240101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        'x-amz-date': '20240101T000000Z',
      },
      '/',
      Buffer.from(JSON.stringify({ TableName: tableName, Key: key, ConsistentRead: true })),
    );
    if (answer.status !== 200) {
      throw new Error(
        `stream emulation: GetItem on ${tableName} answered ${answer.status}: ${answer.body.toString()}`,
      );
    }
    return (JSON.parse(answer.body.toString('utf8')) as { Item?: Item }).Item;
  };

  return { forward, getItem };
}
