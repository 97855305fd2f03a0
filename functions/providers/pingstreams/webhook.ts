import jwt from 'jsonwebtoken';
import * as v from 'valibot';
import { UnauthorizedError } from '../../core/errors';
import type { WebhookAdapter, WebhookRequest } from '../../core/inbound';
import { secureEquals } from '../../core/secure-compare';
import type { SecretValues } from '../../core/secrets';
import { normalizePingstreamsWebhook } from './inbound';
import { parsePingstreamsWebhook, type PingstreamsWebhook } from './schema';

/** Only what verification reads; the full shape is checked by `parse` after verification. */
const VerifiableBodySchema = v.object({
  hook: v.object({ _id: v.pipe(v.string(), v.minLength(1)), id_project: v.optional(v.string()) }),
  token: v.optional(v.string()),
});

function verifiableBody(body: unknown) {
  const parsed = v.safeParse(VerifiableBodySchema, body);
  if (!parsed.success) {
    throw new UnauthorizedError('the Pingstreams delivery has no hook to verify it against');
  }
  return parsed.output;
}

/**
 * How old a body token may be. tiledesk-server signs a fresh token per delivery, so anything
 * older is a replay of a captured delivery. A token from the future beyond the skew is refused
too (its age could not be told).
 */
export const TOKEN_MAX_AGE_S = 5 * 60;
export const TOKEN_CLOCK_SKEW_S = 60;

/**
 * The body `token` is an HS256 JWT signed with the subscription secret whose claims are the
 * hook plus `iat`, `sub: "subscription"` and `aud: <server>/subscriptions/<hook _id>`
 * ([V] README PS-6). The audience host and `iss` may be rebranded by Pingstreams
 * ([I] README PS-7), so, like tiledesk-server's own check, only the audience path is compared.
 */
function verifyToken(token: string | undefined, secret: string, hookId: string): void {
  if (!token) {
    throw new UnauthorizedError('the Pingstreams delivery carries neither x-hook-secret nor token');
  }
  let claims: string | jwt.JwtPayload;
  try {
    // The algorithm is pinned: "none", HS384/HS512 and RS* tokens are refused outright.
    // `maxAge` needs an `iat` and measures from it; `exp`, when present, is checked as well.
    claims = jwt.verify(token, secret, {
      algorithms: ['HS256'],
      subject: 'subscription',
      maxAge: TOKEN_MAX_AGE_S,
    });
  } catch (error) {
    const reason = error instanceof jwt.JsonWebTokenError ? `: ${error.message}` : '';
    throw new UnauthorizedError(`the Pingstreams webhook token is not valid${reason}`, {
      cause: error,
    });
  }
  const issuedAt = typeof claims === 'string' ? undefined : claims.iat;
  if (issuedAt === undefined || issuedAt > Date.now() / 1000 + TOKEN_CLOCK_SKEW_S) {
    throw new UnauthorizedError('the Pingstreams webhook token is not valid: iat is in the future');
  }
  const audiences = typeof claims === 'string' ? [] : [claims.aud ?? []].flat();
  const expectedPath = `/subscriptions/${hookId}`;
  if (!audiences.some((aud) => audiencePath(aud) === expectedPath)) {
    throw new UnauthorizedError('the Pingstreams webhook token is not for this subscription');
  }
}

function audiencePath(aud: string): string | undefined {
  try {
    return new URL(aud).pathname;
  } catch {
    return undefined;
  }
}

/**
 * `POST /webhooks/pingstreams`. A delivery is accepted when its `x-hook-secret` header equals
 * the subscription secret (constant time) or, with no such header, when its body `token`
 * verifies; and, with PINGSTREAMS_PROJECT_ID set, only for that project.
 */
export function createPingstreamsWebhookAdapter(
  secrets: SecretValues,
): WebhookAdapter<PingstreamsWebhook> {
  const secret = secrets.PINGSTREAMS_WEBHOOK_SECRET;
  const projectId = secrets.PINGSTREAMS_PROJECT_ID;
  return {
    provider: 'pingstreams',
    verify(request: WebhookRequest) {
      if (!secret) {
        throw new UnauthorizedError(
          'Pingstreams webhooks are refused: PINGSTREAMS_WEBHOOK_SECRET is not set',
        );
      }
      const header = request.headers['x-hook-secret'];
      if (header !== undefined) {
        // A wrong header is a failure, not a cue to try the token instead.
        if (!secureEquals(header, secret)) {
          throw new UnauthorizedError('the Pingstreams x-hook-secret does not match');
        }
      } else {
        const body = verifiableBody(request.body);
        verifyToken(body.token, secret, body.hook._id);
      }
      if (projectId && verifiableBody(request.body).hook.id_project !== projectId) {
        throw new UnauthorizedError('the Pingstreams delivery is for another project');
      }
    },
    parse: parsePingstreamsWebhook,
    normalize: normalizePingstreamsWebhook,
  };
}
