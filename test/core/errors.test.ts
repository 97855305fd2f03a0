import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  BridgeError,
  ConfigError,
  NotFoundError,
  ProviderError,
  ValidationError,
  publicView,
} from '../../functions/core/errors';
import { issueError, parseWith } from '../../functions/core/validation';

describe('publicView', () => {
  it('never shows the message of an internal error', () => {
    const leaky = new Error('AccessDeniedException: arn:aws:iam::123456789012:role/secret-role');

    const view = publicView(leaky, 'internal error; see the logs');

    expect(view).toEqual({
      status: 500,
      code: 'internal',
      title: 'Internal error',
      message: 'internal error; see the logs',
      exposed: false,
    });
  });

  it('keeps a BridgeError that does not say it may be exposed internal, whatever its status', () => {
    for (const error of [new BridgeError('db at 10.0.0.7'), new ConfigError('SECRET_ARN bad')]) {
      const view = publicView(error);

      expect(view.exposed).toBe(false);
      expect(view.message).not.toContain(error.message);
      expect(view.code).toBe('internal');
    }
  });

  it('shows a BridgeError with expose as it is: status, code, title, message and field', () => {
    expect(publicView(new ValidationError('query: limit: a whole number', 'limit'))).toEqual({
      status: 400,
      code: 'invalid-payload',
      title: 'Invalid payload',
      message: 'query: limit: a whole number',
      exposed: true,
      field: 'limit',
    });
    expect(publicView(new NotFoundError('unknown bridge "x"'))).toMatchObject({
      status: 404,
      message: 'unknown bridge "x"',
    });
  });

  it('carries a provider refusal with the provider’s HTTP status', () => {
    expect(publicView(new ProviderError('room is closed', 409))).toMatchObject({
      status: 502,
      code: 'provider-error',
      message: 'room is closed',
      providerStatus: 409,
      exposed: true,
    });
  });
});

describe('issueError', () => {
  const Query = v.object({ limit: v.pipe(v.string(), v.regex(/^\d+$/, 'a whole number')) });

  it('names the first offending field by its dot path, after what was parsed', () => {
    const result = v.safeParse(Query, { limit: 'ten' });
    if (result.success) throw new Error('the schema must refuse "ten"');

    const error = issueError(result.issues, 'query');

    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe('query: limit: a whole number');
    expect(error.field).toBe('limit');
  });

  it('is what parseWith throws', () => {
    expect(() => parseWith(Query, { limit: 'ten' }, 'query')).toThrow(
      'query: limit: a whole number',
    );
  });
});
