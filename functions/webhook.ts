import middy from '@middy/core';
import { NotFoundError } from './core/errors';
import { ingestWebhook } from './core/ingest';
import { parseJsonText } from './http/json';
import {
  bodyText,
  lowerCaseHeaders,
  problemErrors,
  type HttpEvent,
  type HttpResult,
} from './http/middleware';
import { jsonResponse } from './http/problem';
import { getRuntime, withBridges } from './runtime/runtime';

/** `POST /webhooks/{provider}`: verify, normalize and store one provider delivery. */
export async function receiveWebhook(event: HttpEvent): Promise<HttpResult> {
  const runtime = getRuntime();
  const provider = event.pathParameters?.provider ?? '';
  const adapter = runtime.providers.webhookAdapter(provider, await runtime.secrets.load());
  if (!adapter) throw new NotFoundError(`no webhook for provider "${provider}"`);
  const body = parseJsonText(event.rawBodyText ?? '');
  const result = await ingestWebhook(
    adapter,
    {
      headers: lowerCaseHeaders(event.headers),
      query: event.queryStringParameters ?? {},
      rawBody: event.rawBodyText ?? '',
      body,
    },
    await withBridges(runtime),
  );
  return jsonResponse(200, {
    received: true,
    stored: result.stored,
    duplicates: result.duplicates,
    ignored: result.ignored.map((i) => i.kind),
  });
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(problemErrors(() => getRuntime().log))
  .use(bodyText())
  .handler(receiveWebhook);
