/**
 * `If-Match` as RFC 9110 section 13.1.1 defines it: `*` or a comma-separated list of entity tags, each
 * `"<opaque>"` or weak `W/"<opaque>"`. A bridge's ETag is its version as a strong tag (`"3"`),
 * and If-Match compares strongly, so:
 *
 * - `"3"` (or a list holding it) matches version 3 only: `"03"` is another tag;
 * - `*` matches whatever version exists;
 * - a weak tag never matches (strong comparison), and neither does a value that is not an
 *   entity-tag list at all (`3`, `stale-version-0`): the answer is 412, as for a stale tag,
 *   never 400, so a client needs one rule: 412 means "read it again".
 */
export interface IfMatch {
  /** `*`: any current version. */
  any: boolean;
  /** The opaque parts of the strong tags, e.g. `3` for `"3"`. */
  strong: string[];
  /** The opaque parts of weak tags: they never match, but the refusal names them. */
  weak: string[];
  /** The header is not `*` nor a list of entity tags: it matches nothing. */
  malformed: boolean;
  /** The header as sent, trimmed and cut short, for messages. */
  text: string;
}

// etagc = %x21 / %x23-7E / obs-text: any visible character but DQUOTE, and bytes above 0x7F.
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7E\x80-\xFF]*)"$/;
const MAX_TEXT = 80;

/** Absent or empty: no precondition. */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  const text = header?.trim() ?? '';
  if (text === '') return undefined;
  const parsed: IfMatch = {
    any: false,
    strong: [],
    weak: [],
    malformed: false,
    text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text,
  };
  if (text === '*') return { ...parsed, any: true };
  // An opaque tag may hold a comma but never a DQUOTE: commas outside quotes split the list.
  for (const element of splitList(text)) {
    // RFC 9110, section 5.6.1: empty list elements are allowed and ignored.
    if (element === '') continue;
    const tag = ENTITY_TAG.exec(element);
    if (!tag) return { ...parsed, strong: [], weak: [], malformed: true };
    (tag[1] ? parsed.weak : parsed.strong).push(tag[2]!);
  }
  if (parsed.strong.length === 0 && parsed.weak.length === 0) parsed.malformed = true;
  return parsed;
}

/** Whether the condition holds for a bridge at `version` (strong comparison). */
export function ifMatchHolds(condition: IfMatch, version: number): boolean {
  return condition.any || condition.strong.includes(String(version));
}

/**
 * Why a condition does not hold for `version`: what follows "bridge X is at version N" in the
 * 412's detail, in words an operator can act on.
 */
export function ifMatchMismatch(condition: IfMatch, version: number): string {
  if (condition.malformed) {
    return `; If-Match ${condition.text} is not an entity tag: send the ETag GET returned, "${version}"`;
  }
  if (condition.strong.length === 0 && condition.weak.includes(String(version))) {
    return `; If-Match W/"${version}" is a weak tag and If-Match compares strongly (RFC 9110): send "${version}"`;
  }
  const named = condition.strong.length > 0 ? condition.strong : condition.weak;
  return `, not ${named.join(' or ')}: read it again and retry`;
}

function splitList(text: string): string[] {
  const elements: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      elements.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  elements.push(text.slice(start).trim());
  return elements;
}
