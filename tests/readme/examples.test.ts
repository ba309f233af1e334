import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The README's examples that show output (`$ command` blocks) are run against the built CLI and compared with what
 * the README shows (scripts/readme-examples.mjs; `node scripts/readme-examples.mjs --write` rewrites them).
 */
describe('README examples', () => {
  it('print what the README shows', () => {
    const result = spawnSync(process.execPath, ['scripts/readme-examples.mjs'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^\d+ README examples, 0 differ/);
  });
});
