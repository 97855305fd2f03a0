import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import ts from 'typescript';

/**
 * The provenance check behind test/providers/provenance.test.ts. A source comment tags a
 * provider fact as verified, inferred or guessed (V, I or G in square brackets) and cites the
 * fact's id in the provider README, so every tag resolves inside the repository:
 * `// [G] README GIT-21: Gitple publishes no webhook spec`.
 */

export type Tag = 'V' | 'I' | 'G';

export interface Fact {
  id: string;
  tag: Tag;
  readme: string;
}

export interface SourceComment {
  file: string;
  line: number;
  text: string;
}

const FACT_ROW = /^\|\s*([A-Z]+-\d+)\s*\|(.*)\|\s*([^|]*?)\s*\|([^|]*)\|\s*$/;
const TAG = /\[(V|I|G)\]/g;
/** A tag with its source inside the brackets (a V, then `S6` or `: why`, say). */
const MALFORMED_TAG = /\[(?:V|I|G)[\s:,/][^\]]*\]/;
const CITATION = /^\s*README ([A-Z]+-\d+(?:,\s*[A-Z]+-\d+)*)/;
const OUTSIDE_DOCUMENT = /providers\.md/;
const SECTION_SIGN = /§/;

/** The prefix of a fact id: `GIT` of `GIT-21`. */
export function prefixOf(id: string): string {
  return id.slice(0, id.lastIndexOf('-'));
}

/** The rows of a README's Facts table, plus what is wrong with any of them. */
export function readFacts(readme: string, text: string): { facts: Fact[]; problems: string[] } {
  const facts: Fact[] = [];
  const problems: string[] = [];
  for (const row of text.split('\n')) {
    const match = FACT_ROW.exec(row);
    if (!match) continue;
    const [, id = '', , tag = '', source = ''] = match;
    if (!/^\[(V|I|G)\]$/.test(tag))
      problems.push(`${readme} ${id}: tag "${tag}" is not [V], [I] or [G]`);
    if (source.trim() === '') problems.push(`${readme} ${id}: no source note`);
    if (facts.some((fact) => fact.id === id)) problems.push(`${readme} ${id}: defined twice`);
    facts.push({ id, tag: tag.slice(1, 2) as Tag, readme });
  }
  if (facts.length === 0) problems.push(`${readme}: no Facts table`);
  const prefixes = new Set(facts.map((fact) => prefixOf(fact.id)));
  if (prefixes.size > 1)
    problems.push(`${readme}: more than one id prefix (${[...prefixes].join(', ')})`);
  problems.push(...citationProblems(text).map((problem) => `${readme}: ${problem}`));
  return { facts, problems };
}

/** A README prose tag: the letter and then its fact ids in square brackets (V, a space, GIT-18). */
const PROSE_TAG = /\[(V|I|G)(?:\s+([^\]]*))?\]/g;

/** Tags in a README outside its Facts section must cite that README's own facts. */
export function checkReadmeProse(
  readme: string,
  text: string,
  facts: ReadonlyMap<string, Fact>,
): string[] {
  const problems: string[] = [];
  let inFacts = false;
  text.split('\n').forEach((line, index) => {
    if (line.startsWith('## ')) inFacts = line.trim() === '## Facts';
    if (inFacts) return;
    for (const tag of line.matchAll(PROSE_TAG)) {
      const where = `${readme}:${index + 1}`;
      const ids = (tag[2] ?? '').split(/,\s*/).filter((id) => id !== '');
      if (ids.length === 0 || ids.some((id) => !/^[A-Z]+-\d+$/.test(id))) {
        problems.push(`${where}: write "${tag[0]}" as "[${tag[1]} <fact id>]"`);
        continue;
      }
      for (const id of ids) {
        const fact = facts.get(id);
        if (fact?.readme !== readme) problems.push(`${where}: ${id} is not a fact of this README`);
        else if (fact.tag !== tag[1])
          problems.push(`${where}: [${tag[1]}] but ${id} is [${fact.tag}]`);
      }
    }
  });
  return problems;
}

/** Citations of anything outside the repository. */
function citationProblems(text: string): string[] {
  const problems: string[] = [];
  if (OUTSIDE_DOCUMENT.test(text))
    problems.push('cites providers.md, which is outside the repository');
  if (SECTION_SIGN.test(text)) problems.push('cites a § section; cite a README fact id instead');
  return problems;
}

/** Comment text without delimiters and leading `*`, whitespace collapsed. */
function plain(comment: string): string {
  return comment
    .replace(/^\/\*\*?|\*\/$/g, '')
    .replace(/^\/\//, '')
    .replace(/^\s*\*(?!\/)/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Every comment of a TypeScript file, found by the compiler's scanner rules (not a regex). */
export function commentsOf(file: string, text: string): SourceComment[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const seen = new Map<number, SourceComment>();
  const collect = (ranges: ts.CommentRange[] | undefined): void => {
    for (const range of ranges ?? []) {
      if (seen.has(range.pos)) continue;
      const { line } = source.getLineAndCharacterOfPosition(range.pos);
      seen.set(range.pos, { file, line: line + 1, text: plain(text.slice(range.pos, range.end)) });
    }
  };
  const visit = (node: ts.Node): void => {
    collect(ts.getLeadingCommentRanges(text, node.pos));
    collect(ts.getTrailingCommentRanges(text, node.end));
    ts.forEachChild(node, visit);
  };
  visit(source);
  collect(ts.getLeadingCommentRanges(text, source.endOfFileToken.pos));
  return [...seen.values()].sort((a, b) => a.line - b.line);
}

/**
 * What is wrong with one comment's provenance tags. `ownPrefix` is set for a file inside a
 * provider folder: it may cite only its own README's facts.
 */
export function checkComment(
  comment: SourceComment,
  facts: ReadonlyMap<string, Fact>,
  ownPrefix?: string,
): string[] {
  const where = `${comment.file}:${comment.line}`;
  const problems = citationProblems(comment.text).map((problem) => `${where}: ${problem}`);
  const malformed = MALFORMED_TAG.exec(comment.text);
  if (malformed) problems.push(`${where}: write "${malformed[0]}" as "[X] README <fact id>"`);
  for (const tag of comment.text.matchAll(TAG)) {
    const after = comment.text.slice((tag.index ?? 0) + tag[0].length);
    const citation = CITATION.exec(after);
    if (!citation) {
      problems.push(`${where}: ${tag[0]} cites no README fact id ("[X] README <fact id>")`);
      continue;
    }
    for (const id of (citation[1] ?? '').split(/,\s*/)) {
      const fact = facts.get(id);
      if (!fact) problems.push(`${where}: ${id} is in no provider README`);
      else if (ownPrefix !== undefined && prefixOf(id) !== ownPrefix)
        problems.push(`${where}: ${id} is another provider's fact; cite this folder's README`);
      else if (fact.tag !== tag[1])
        problems.push(`${where}: ${tag[0]} but ${fact.readme} tags ${id} [${fact.tag}]`);
    }
  }
  return problems;
}

/** Every `.ts` file under `dir`, as paths relative to `root`. */
export function typeScriptFiles(root: string, dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, dir))) {
    const path = join(dir, entry);
    if (entry === 'node_modules') continue;
    if (statSync(join(root, path)).isDirectory()) found.push(...typeScriptFiles(root, path));
    else if (entry.endsWith('.ts')) found.push(path.split(sep).join('/'));
  }
  return found;
}

export function readText(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8');
}
