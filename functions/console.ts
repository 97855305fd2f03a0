import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import middy from '@middy/core';
import { NotFoundError } from './core/errors';
import { CONSOLE_PAGE_FILE_NAME } from './definitions/functions';
import { problemErrors, type HttpEvent, type HttpResult } from './http/middleware';
import { getRuntime } from './runtime/runtime';

/** Where the page carries the WebSocket URL; replaced per request (it differs per stage). */
export const WEBSOCKET_URL_PLACEHOLDER = '__CHAT_BRIDGE_WEBSOCKET_URL__';

interface Page {
  html: string;
  scriptHash: string;
}
const pages = new Map<string, Page>();

/**
 * `GET /console`: the live console, a static page with its script inline. It holds no secret
 * and needs none: the page asks for an app JWT and calls the API with it, like any frontend.
 */
export async function serveConsole(): Promise<HttpResult> {
  const env = process.env;
  const file =
    env.CONSOLE_PAGE_FILE || fileURLToPath(new URL(`./${CONSOLE_PAGE_FILE_NAME}`, import.meta.url));
  const page = loadPage(file);
  const wsUrl = env.WEBSOCKET_URL ?? '';
  const html = page.html.replace(WEBSOCKET_URL_PLACEHOLDER, escapeAttribute(wsUrl));
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // The page holds an app JWT: only its own script runs, and it talks to this API only.
      'content-security-policy': [
        "default-src 'none'",
        `script-src '${page.scriptHash}'`,
        "style-src 'unsafe-inline'",
        `connect-src 'self'${wsUrl ? ` ${wsUrl.replace(/[\s;]/g, '')}` : ''}`,
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
    },
    body: html,
  };
}

function loadPage(file: string): Page {
  const cached = pages.get(file);
  if (cached) return cached;
  let html: string;
  try {
    html = readFileSync(file, 'utf8');
  } catch {
    throw new NotFoundError('the console page is not part of this deployment');
  }
  const script = /<script type="module">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const scriptHash = `sha256-${createHash('sha256').update(script).digest('base64')}`;
  const page = { html, scriptHash };
  pages.set(file, page);
  return page;
}

function escapeAttribute(value: string): string {
  return value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(problemErrors(() => getRuntime().log))
  .handler(serveConsole);
