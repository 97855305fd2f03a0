import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../support/harness';
import { startTestBridge, testFunction, type TestBridge } from '../local-bridge';
import { channelKey } from '../../../functions/core/providers';

const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';

describe('local Lambda Invoke API', () => {
  let bridge: TestBridge;
  let lambda: LambdaClient;

  beforeAll(async () => {
    bridge = await startTestBridge({
      streamConsumers: [],
      functions: { Failing: testFunction() },
      modules: {
        Failing: {
          handler: async () => {
            throw new TypeError('no such provider');
          },
        },
      },
    });
    lambda = new LambdaClient({
      endpoint: bridge.httpUrl,
      region: bridge.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    lambda.destroy();
    await bridge.close();
  });

  it('invokes IvsReview with the IVS review-handler input: ALLOW, and the event is stored', async () => {
    const input = fixture('ivs/review-handler-input.json');

    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: 'IvsReview',
        Payload: Buffer.from(JSON.stringify(input)),
      }),
    );

    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(response.Payload!).toString())).toEqual({
      ReviewResult: 'ALLOW',
      Content: 'hello',
      Attributes: { k: 'v' },
    });
    const stored = await bridge.dynamo.send(
      new QueryCommand({
        TableName: bridge.tableNames.EVENTS_TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: channelKey('ivs', ROOM) } },
      }),
    );
    expect(stored.Items).toHaveLength(1);
    expect(JSON.parse(stored.Items![0]!.event!.S!)).toMatchObject({
      type: 'chat.message.created',
      subject: 'support',
      data: { message: { id: '5OPsDdX18qcJ', text: 'hello' } },
    });
  });

  it('accepts a function ARN as the name', async () => {
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: `arn:aws:lambda:${bridge.region}:000000000000:function:Health`,
        Payload: Buffer.from('{}'),
      }),
    );

    expect(JSON.parse(Buffer.from(response.Payload!).toString())).toMatchObject({
      statusCode: 200,
    });
  });

  it('reports a function error as 200 with FunctionError Unhandled and the error payload', async () => {
    const response = await lambda.send(
      new InvokeCommand({ FunctionName: 'Failing', Payload: Buffer.from('{}'), LogType: 'Tail' }),
    );

    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(response.Payload!).toString())).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'no such provider',
    });
  });

  it('answers an unknown function with ResourceNotFoundException', async () => {
    const invoking = lambda.send(
      new InvokeCommand({ FunctionName: 'Nope', Payload: Buffer.from('{}') }),
    );

    await expect(invoking).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(invoking).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('serves curl-style calls: raw JSON in, result JSON out', async () => {
    const response = await fetch(`${bridge.httpUrl}/2015-03-31/functions/IvsReview/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Content: 'x', MessageId: '', RoomArn: 'nope' }),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ReviewResult: 'ALLOW', Content: 'x', Attributes: {} });
  });

  it.each([
    ['a form post from a web page', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a text/plain post (no CORS preflight)', { 'content-type': 'text/plain' }],
    [
      'a JSON post carrying an Origin',
      { 'content-type': 'application/json', origin: 'https://evil.example' },
    ],
  ])('refuses %s with a 403 problem and runs nothing', async (_what, headers) => {
    const response = await fetch(`${bridge.httpUrl}/2015-03-31/functions/Failing/invocations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ Content: 'injected', MessageId: 'm', RoomArn: ROOM }),
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 403, detail: expect.any(String) });
  });
});
