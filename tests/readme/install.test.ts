import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The README's install outside a clone: `npm pack`, then `npm install` of the tarball. The tarball is packed from
 * this checkout, installed into an empty folder, and the installed command run from a folder outside the clone.
 */
const root = process.cwd();
const run = (command: string, args: readonly string[], options: SpawnSyncOptions = {}) =>
  spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...options }) as ReturnType<typeof spawnSync> & {
    stdout: string;
    stderr: string;
  };

/** Every file under `folder`, relative to `base`, with forward slashes. */
function filesUnder(folder: string, base: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    return entry.isDirectory() ? filesUnder(path, base) : [relative(base, path).split('\\').join('/')];
  });
}

describe('npm pack, then npm install of the tarball', () => {
  const folder = mkdtempSync(join(tmpdir(), 'cpp-variance-install-'));
  const prefix = join(folder, 'prefix');
  const elsewhere = join(folder, 'elsewhere');
  let packed: { filename: string; files: { path: string }[] };
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  beforeAll(() => {
    // --ignore-scripts: `prepare` (the build) has already run (npm test builds first), and rebuilding dist while other
    // test files run the built CLI would pull it from under them.
    const pack = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', folder], { cwd: root });
    expect(pack.status, pack.stderr).toBe(0);
    packed = JSON.parse(pack.stdout)[0];
    const tarball = join(folder, packed.filename);
    // Offline first: the dependencies are in npm's cache after `npm ci`. Their registry metadata may not be (a
    // lockfile install does not need it), and then npm may fetch that, and only that, from the registry.
    const install = (mode: string) =>
      run('npm', ['install', '--prefix', prefix, mode, '--no-audit', '--no-fund', '--no-save', tarball], {
        cwd: folder,
      });
    let installed = install('--offline');
    if (installed.status !== 0 && /ENOTCACHED/.test(installed.stderr)) installed = install('--prefer-offline');
    expect(installed.status, installed.stderr).toBe(0);
    mkdirSync(elsewhere);
  }, 180_000);

  it('packs the built tool and every file its default run reads', () => {
    const paths = new Set(packed.files.map((file) => file.path));
    expect(packed.filename).toBe(`cpp-variance-${JSON.parse(readFileSync('package.json', 'utf8')).version}.tgz`);
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    const needed = [
      'package.json',
      'README.md',
      manifest.bin['cpp-variance']!, // dist/bin/cli.js, the bundle's entry
      'fixtures/england-la-panel.csv', // the default dataset
      'fixtures/nao-2019-synthetic.csv', // the NAO reproduction and its bundled-data note
      'fixtures/nao-2019-analysis.json',
      'fixtures/real/SOURCES.md', // named in every note on the default data
      ...filesUnder(join(root, 'dist/bin'), root), // every chunk of the bundle, worker scripts included
      ...filesUnder(join(root, 'dist/datasets'), root), // the shipped datasets, parsed when built
    ];
    expect(needed.filter((path) => !paths.has(path))).toEqual([]);
    // Not the sources, the tests or the test fixtures, nor the unbundled tsc output the bundle is made from.
    expect(
      [...paths].filter((path) =>
        /^(src|tests|scripts|bench|dist\/src|dist\/bench)\/|^fixtures\/(bad-input|nist-strd)\//.test(path),
      ),
    ).toEqual([]);
  });

  it('installs a cpp-variance command that runs the default split from outside the clone', () => {
    const bin = join(prefix, 'node_modules/.bin/cpp-variance');
    expect(existsSync(bin)).toBe(true);
    const result = run(bin, ['decompose', '--format', 'json'], { cwd: elsewhere });
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.n).toBe(1029);
    expect(json.groups.map((group: { name: string }) => group.name)).toEqual([
      'practice',
      'deprivation',
      'policy',
      'resources',
    ]);
    expect(json.groups[0].percent).toBeCloseTo(53.9087, 3);
    expect(json.notes.join('\n')).toMatch(/^real public data: 149 English local authorities/m);
  });

  it('loads, from the installed dependencies, what only some options need (BCa intervals: @stdlib)', () => {
    const bin = join(prefix, 'node_modules/.bin/cpp-variance');
    const args = ['decompose', '--bootstrap', '30', '--seed', '1', '--ci-type', 'bca', '--format', 'json', '--quiet'];
    const result = run(bin, args, { cwd: elsewhere });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).groups[0].ciLow).toEqual(expect.any(Number));
  });

  it('runs the NAO reproduction from the installed package folder, as the README says', () => {
    const bin = join(prefix, 'node_modules/.bin/cpp-variance');
    const args = ['decompose', 'fixtures/nao-2019-synthetic.csv', '--spec', 'fixtures/nao-2019-analysis.json'];
    const result = run(bin, [...args, '--quiet'], { cwd: join(prefix, 'node_modules/cpp-variance') });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('these data are SYNTHETIC');
  });
});
