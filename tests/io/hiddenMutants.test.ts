/**
 * Behaviour of src/io that no other test pinned: a time value of infinitely many seconds in an .ods cell, sheet
 * choices that only look like numbers, where the package root is, the default missing-value tokens, a column
 * requested twice, and the count records of completeCases being ordinary properties.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { parseCsv } from '../../src/io/csv.js';
import { findPackageRoot, packageRoot } from '../../src/io/packageRoot.js';
import { completeCases, readPanel } from '../../src/io/panel.js';
import { thrownBy } from '../helpers.js';
import { cell, doc, num, p, readValue, readXml, row, table } from './odsFixtures.js';

const source = (text: string) => ({ name: 'in.csv', bytes: Buffer.from(text) });

describe('an .ods time cell', () => {
  it('of more seconds than a double holds reads as Infinity seconds, with no fraction', () => {
    // Kills src/io/ods.ts:180:20 ConditionalExpression => true
    // and src/io/ods.ts:180:20 EqualityOperator => seconds >= whole (Infinity - Infinity is NaN: suffix "aN")
    const value = `PT${'9'.repeat(400)}S`;
    expect(readValue(cell(`office:value-type="time" office:time-value="${value}"`, p('shown')))).toBe('00:00:Infinity');
  });
});

describe('choosing an .ods sheet by a text that only looks like a number', () => {
  const xml = doc(table('A', row(num(1))), table('B', row(num(2))));

  it.each(['1e0', '1.0'])('%j chooses no sheet (only plain digits count as a position)', (choice) => {
    // Kills src/io/ods.ts:233:20 Regex => /\d+$/ ("1e0" and "1.0" end in a digit)
    // and src/io/ods.ts:233:20 Regex => /^\d+/ (they start with one); Number() of each is 1
    expect(readXml(xml, choice)).toEqual({ sheets: ['A', 'B'], index: -1, rows: [] });
  });
});

describe('the package root', () => {
  const made: string[] = [];
  afterAll(() => {
    for (const folder of made) rmSync(folder, { recursive: true, force: true });
  });
  /** A folder in the temporary folder with a package.json of the given name, and an empty folder a/b inside. */
  const packageNamed = (name: string) => {
    const root = mkdtempSync(join(tmpdir(), 'cpv-package-root-'));
    made.push(root);
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name }));
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    return root;
  };

  it('is the folder of cpp-variance package.json, above src/io', () => {
    const expected = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    expect(packageRoot()).toBe(expected);
    expect(findPackageRoot(join(expected, 'src', 'io'))).toBe(expected);
  });

  it('is found by walking up from a folder without a package.json, to the nearest that names cpp-variance', () => {
    // Kills src/io/packageRoot.ts ConditionalExpression => true on existsSync(manifest): a/b has no package.json,
    // and reading it fails. The walk is tested itself: packageRoot() runs it only once per process.
    const root = packageNamed('cpp-variance');
    expect(findPackageRoot(join(root, 'a', 'b'))).toBe(root);
    expect(findPackageRoot(root)).toBe(root);
  });

  it('passes over a package.json of another name, and fails at the file-system root', () => {
    const other = packageNamed('another-package');
    expect(() => findPackageRoot(join(other, 'a', 'b'))).toThrow('cpp-variance: cannot find the package root');
  });
});

describe('reading a panel', () => {
  it('without --na, only the default tokens mean missing: any other word in a numeric column is an error', () => {
    // Kills src/io/panel.ts:63:84 ArrayDeclaration => ["Stryker was here"]
    const table = parseCsv(source('x\n1\nStryker was here\n'));
    const error = thrownBy(() => readPanel(table, [{ name: 'x', kind: 'numeric' }]), DataError);
    expect(error.message).toBe(
      'in.csv row 3, column "x": "Stryker was here" is not a number (if it marks a missing value, add --na ' +
        '"Stryker was here")',
    );
  });

  it('a column requested twice is read as the first request asks', () => {
    // Kills src/io/panel.ts:66:9 ConditionalExpression => false
    const table = parseCsv(source('x\n1\n2\n1\n'));
    const panel = readPanel(table, [
      { name: 'x', kind: 'numeric' },
      { name: 'x', kind: 'categorical' },
    ]);
    const x = panel.columns.get('x');
    expect(x?.kind).toBe('numeric');
    expect(x?.kind === 'numeric' && Array.from(x.values)).toEqual([1, 2, 1]);
    expect([...panel.columns.keys()]).toEqual(['x']);
  });
});

describe('the counts of completeCases', () => {
  it('are ordinary properties, as assignment would make them: configurable and deletable', () => {
    // Kills src/io/panel.ts:283:96 BooleanLiteral => false
    const table = parseCsv(source('x,y\n1,\n2,3\n'));
    const panel = readPanel(table, [
      { name: 'x', kind: 'numeric' },
      { name: 'y', kind: 'numeric' },
    ]);
    const cases = completeCases(panel, ['x', 'y']);
    const plain = { value: 1, writable: true, enumerable: true, configurable: true };
    expect(Object.getOwnPropertyDescriptor(cases.missingByColumn, 'y')).toEqual(plain);
    expect(Object.getOwnPropertyDescriptor(cases.missingAlone, 'y')).toEqual(plain);
    expect(Reflect.deleteProperty(cases.missingAlone, 'x')).toBe(true);
    expect(cases.missingAlone).toEqual({ y: 1 });
  });
});
