import * as v from 'valibot';
import { ValidationError } from './errors';

/**
 * Parse untrusted input; the error names the first offending field by its dot path. A schema
 * message that is a sentence about its field (`limit must be ...`) is shown as written; a
 * generic one gets `<what>: <field>: ` in front so the reader knows where to look.
 */
export function parseWith<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const [first] = result.issues;
  const field = first ? (v.getDotPath(first) ?? undefined) : undefined;
  const reason = first?.message ?? 'invalid';
  const last = field?.split('.').pop();
  if (last && reason.startsWith(`${last} `)) throw new ValidationError(reason, field);
  throw new ValidationError(`${what}: ${field ? `${field}: ` : ''}${reason}`, field ?? undefined);
}
