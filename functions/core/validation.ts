import * as v from 'valibot';
import { ValidationError } from './errors';

/** A failed parse as the bridge reports it: the first issue's dot path and its message. */
export interface FirstIssue {
  /** Dot path of the offending field; undefined when the input as a whole is wrong. */
  field?: string;
  reason: string;
}

/** The one reading of valibot issues: only the first is reported, by its dot path. */
export function firstIssue(issues: readonly v.BaseIssue<unknown>[]): FirstIssue {
  const [first] = issues;
  const field = first ? (v.getDotPath(first) ?? undefined) : undefined;
  return { ...(field !== undefined && { field }), reason: first?.message ?? 'invalid' };
}

/** The one conversion of a validation issue into the error a caller sees (400, field named). */
export function issueError(
  issues: readonly v.BaseIssue<unknown>[],
  what?: string,
): ValidationError {
  const { field, reason } = firstIssue(issues);
  // A schema message that is a sentence about its field (`limit must be ...`) is shown as
  // written; a generic one gets `<what>: <field>: ` in front so the reader knows where to look.
  const last = field?.split('.').pop();
  if (last && reason.startsWith(`${last} `)) return new ValidationError(reason, field);
  const where = [what, field].filter((part) => part !== undefined).join(': ');
  return new ValidationError(`${where ? `${where}: ` : ''}${reason}`, field);
}

/** Parse untrusted input; the error names the first offending field by its dot path. */
export function parseWith<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  throw issueError(result.issues, what);
}
