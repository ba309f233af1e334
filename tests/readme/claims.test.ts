import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** What the README says about the repository holds: the files it names, the spec it prints. */
describe('the README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('names only files and folders that exist (dist/ once built)', () => {
    const named = new Set(
      [...readme.matchAll(/(?<![\w./-])(?:dist\/)?(?:src|scripts|fixtures|docs|tests|bench)\/[\w./-]*[\w/]/g)].map(
        (match) => match[0],
      ),
    );
    expect(named.size).toBeGreaterThan(30);
    expect([...named].filter((path) => !existsSync(path))).toEqual([]);
  });

  it('prints the NAO spec as it is in fixtures/nao-2019-analysis.json', () => {
    const block = /```json\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('### One analysis, one file')));
    expect(block?.[1]).toBe(readFileSync('fixtures/nao-2019-analysis.json', 'utf8'));
  });

  it('says nothing about how the tool was made: no issues, sessions or requests', () => {
    const workshop = /\b(issues?|sessions?|tickets?|the user|user asked|asked for|helpers?|brief)\b/gi;
    expect([...readme.matchAll(workshop)].map((match) => readme.slice(match.index - 30, match.index + 30))).toEqual([]);
  });
});
