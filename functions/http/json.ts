import { MalformedJsonError } from '../core/errors';

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MalformedJsonError('the body is not valid JSON', { cause: error });
  }
}
