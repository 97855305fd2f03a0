import { parseBoundedJson } from '../core/limits';

/** Every JSON body goes through here: malformed or over-deep JSON is a 400 problem. */
export function parseJsonText(text: string): unknown {
  return parseBoundedJson(text, 'the body');
}
