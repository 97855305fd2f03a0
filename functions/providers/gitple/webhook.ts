import { UnauthorizedError } from '../../core/errors';
import type { WebhookAdapter } from '../../core/inbound';
import { secureEquals } from '../../core/secure-compare';
import { parseWith } from '../../core/validation';
import type { SecretValues } from '../../core/secrets';
import { normalizeGitpleWebhook } from './inbound';
import { GitpleWebhookSchema, type GitpleWebhook } from './schema';

/**
 * `POST /webhooks/gitple`. Gitple publishes no webhook signature ([G] README GIT-21), so the URL registered in
 * the Gitple console carries a per-provider secret as `?key=`, compared in constant time.
 */
export function createGitpleWebhookAdapter(secrets: SecretValues): WebhookAdapter<GitpleWebhook> {
  const expectedKey = secrets.GITPLE_WEBHOOK_KEY;
  return {
    provider: 'gitple',
    verify(request) {
      // Without a configured key nothing can be proven, so nothing is accepted.
      if (!expectedKey) {
        throw new UnauthorizedError('Gitple webhooks are refused: GITPLE_WEBHOOK_KEY is not set');
      }
      const given = request.query.key;
      if (given === undefined || given === '') {
        throw new UnauthorizedError('the Gitple webhook URL must carry its ?key= parameter');
      }
      if (!secureEquals(given, expectedKey)) {
        throw new UnauthorizedError('the Gitple webhook key does not match');
      }
    },
    parse: (body) => parseWith(GitpleWebhookSchema, body, 'Gitple webhook'),
    normalize: normalizeGitpleWebhook,
  };
}
