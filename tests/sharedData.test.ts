import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isCi, SHARED_REAL_DATA, sharedFilesIn } from './sharedData.js';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('the shared data folder', () => {
  it('is ../shared/data/real from the repository root, not a fixed absolute path', () => {
    expect(existsSync(join(repositoryRoot, 'package.json'))).toBe(true);
    expect(SHARED_REAL_DATA).toBe(resolve(repositoryRoot, '../shared/data/real'));
  });

  it('recognises CI from the CI variable', () => {
    expect([isCi({}), isCi({ CI: '' }), isCi({ CI: 'false' }), isCi({ CI: '0' })]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect([isCi({ CI: 'true' }), isCi({ CI: '1' }), isCi({ CI: 'TRUE' })]).toEqual([true, true, true]);
  });

  it('skips a test whose file is missing locally, and makes it fail in CI', () => {
    const folder = join(repositoryRoot, 'fixtures');
    const local = sharedFilesIn(folder, ['reference-panel.csv', 'no-such-file.csv'], {});
    expect(local.paths).toEqual([join(folder, 'reference-panel.csv'), join(folder, 'no-such-file.csv')]);
    expect(local.skip).toBe(true);
    expect(local.titleNote).toBe(` (SKIPPED: ${join(folder, 'no-such-file.csv')} not found)`);
    const ci = sharedFilesIn(folder, ['reference-panel.csv', 'no-such-file.csv'], { CI: 'true' });
    expect(ci.skip).toBe(false);
    expect(ci.titleNote).toBe(` (FAILS in CI: ${join(folder, 'no-such-file.csv')} not found)`);
    expect(() => ci.requirePresent()).toThrow(`shared data not found: ${join(folder, 'no-such-file.csv')}`);
  });

  it('runs a test whose files are all present, locally and in CI', () => {
    for (const env of [{}, { CI: 'true' }]) {
      const files = sharedFilesIn(join(repositoryRoot, 'fixtures'), ['reference-panel.csv'], env);
      expect(files.skip).toBe(false);
      expect(files.titleNote).toBe('');
      expect(() => files.requirePresent()).not.toThrow();
    }
  });
});
