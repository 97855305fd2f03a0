import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkComment,
  checkReadmeProse,
  commentsOf,
  prefixOf,
  readFacts,
  readText,
  typeScriptFiles,
  type Fact,
} from '../support/provenance';

const ROOT = join(__dirname, '..', '..');
const PROVIDERS = 'functions/providers';
/** Folders whose code carries provenance tags: all of `functions/`, and the provider fakes. */
const SCANNED = ['functions', 'lib', 'local', 'test/support'];

/** Every provider folder (`shared/` holds helpers, not a provider). */
function providerFolders(): string[] {
  return readdirSync(join(ROOT, PROVIDERS), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'shared')
    .map((entry) => entry.name);
}

function loadFacts(): {
  facts: Map<string, Fact>;
  prefixes: Map<string, string>;
  problems: string[];
} {
  const facts = new Map<string, Fact>();
  const prefixes = new Map<string, string>();
  const problems: string[] = [];
  for (const folder of providerFolders()) {
    const readme = `${PROVIDERS}/${folder}/README.md`;
    if (!existsSync(join(ROOT, readme))) continue; // reported by the README test
    const read = readFacts(readme, readText(ROOT, readme));
    problems.push(...read.problems);
    for (const fact of read.facts) {
      if (facts.has(fact.id)) problems.push(`${fact.id} is defined in two READMEs`);
      facts.set(fact.id, fact);
      prefixes.set(folder, prefixOf(fact.id));
    }
  }
  return { facts, prefixes, problems };
}

/** The provider folder a file lives in, if any (`functions/providers/gitple/x.ts` -> gitple). */
function folderOf(file: string): string | undefined {
  const match = /^functions\/providers\/([^/]+)\//.exec(file);
  return match?.[1];
}

describe('provider facts resolve inside the repository', () => {
  const { facts, prefixes, problems: readmeProblems } = loadFacts();

  it('every provider README holds a well-formed Facts table and cites nothing outside the repo', () => {
    // Assess
    expect(providerFolders().length).toBeGreaterThan(0);
    for (const folder of providerFolders())
      expect(existsSync(join(ROOT, PROVIDERS, folder, 'README.md')), folder).toBe(true);
    expect(readmeProblems).toEqual([]);
    expect(readText(ROOT, `${PROVIDERS}/README.md`)).not.toMatch(/providers\.md|§/);
  });

  it('every tag in README prose cites a fact of that README with the same tag', () => {
    // Act
    const problems = providerFolders().flatMap((folder) => {
      const readme = `${PROVIDERS}/${folder}/README.md`;
      return checkReadmeProse(readme, readText(ROOT, readme), facts);
    });

    // Assess
    expect(problems).toEqual([]);
  });

  it('every provenance tag in a source comment cites a fact of its own provider README', () => {
    // Prepare
    const files = SCANNED.flatMap((dir) => typeScriptFiles(ROOT, dir));
    const citedPerFolder = new Map<string, number>();

    // Act
    const problems = files.flatMap((file) => {
      const folder = folderOf(file);
      const ownPrefix = folder === undefined ? undefined : prefixes.get(folder);
      const comments = commentsOf(file, readText(ROOT, file));
      for (const comment of comments) {
        const cited = (comment.text.match(/README [A-Z]+-\d+/g) ?? []).length;
        if (folder !== undefined)
          citedPerFolder.set(folder, (citedPerFolder.get(folder) ?? 0) + cited);
      }
      return comments.flatMap((comment) => checkComment(comment, facts, ownPrefix));
    });

    // Assess
    expect(problems).toEqual([]);
    for (const folder of providerFolders())
      expect(citedPerFolder.get(folder) ?? 0).toBeGreaterThan(0);
  });
});

describe('the provenance check itself', () => {
  const facts = new Map<string, Fact>([
    ['GIT-21', { id: 'GIT-21', tag: 'G', readme: 'gitple/README.md' }],
    ['PS-5', { id: 'PS-5', tag: 'V', readme: 'pingstreams/README.md' }],
  ]);
  const check = (source: string, ownPrefix?: string): string[] =>
    commentsOf('x.ts', source).flatMap((comment) => checkComment(comment, facts, ownPrefix));

  it('accepts a tag that cites an existing fact with the same tag', () => {
    // Act
    const problems = check(
      '/**\n * Gitple signs nothing ([G] README\n * GIT-21).\n */\nconst a = 1;\n// [G] README GIT-21: none\n',
      'GIT',
    );

    // Assess
    expect(problems).toEqual([]);
  });

  it.each([
    ['// Gitple signs nothing (providers.md section 2).', 'providers.md'],
    ['// RFC 9110 §10.2.3', '§'],
    ['/** Basic auth [V S13]. */', 'write "[V S13]"'],
    ['// the close code is not documented [I: guessed]', 'write "[I: guessed]"'],
    ['// Gitple signs nothing [G].', 'cites no README fact id'],
    ['// [G] README GIT-99: unknown', 'GIT-99 is in no provider README'],
    ['// [V] README PS-5: a Pingstreams fact', "another provider's fact"],
    ['// [V] README GIT-21: the README says guessed', 'tags GIT-21 [G]'],
  ])('refuses %j', (source, expected) => {
    // Act
    const problems = check(`${source}\nexport const x = 1;\n`, 'GIT');

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('reads comments only, never string literals that look like tags', () => {
    // Act
    const problems = check("const url = 'https://x/[V] providers.md §1'; // plain note\n");

    // Assess
    expect(problems).toEqual([]);
  });

  it('refuses README prose tags without an id of that README or with another tag', () => {
    // Prepare
    const text = [
      '## Facts',
      '| GIT-21 | no spec | [G] | none |',
      '## Verification',
      'Nothing is signed [G GIT-21]; the SDK is [V S6]; see [I].',
      'Also [V GIT-21] and [V PS-5].',
    ].join('\n');

    // Act
    const problems = checkReadmeProse('gitple/README.md', text, facts);

    // Assess
    expect(problems).toEqual([
      'gitple/README.md:4: write "[V S6]" as "[V <fact id>]"',
      'gitple/README.md:4: write "[I]" as "[I <fact id>]"',
      'gitple/README.md:5: [V] but GIT-21 is [G]',
      'gitple/README.md:5: PS-5 is not a fact of this README',
    ]);
  });

  it('reports a README fact row without a valid tag or a source', () => {
    // Act
    const { facts: read, problems } = readFacts(
      'r.md',
      '| id | fact | tag | source |\n| --- | --- | --- | --- |\n| X-1 | a | [V] | S1 |\n| X-2 | b | V | S1 |\n| X-3 | c | [I] |  |\n',
    );

    // Assess
    expect(read.map((fact) => fact.id)).toEqual(['X-1', 'X-2', 'X-3']);
    expect(problems).toEqual([
      'r.md X-2: tag "V" is not [V], [I] or [G]',
      'r.md X-3: no source note',
    ]);
  });
});
