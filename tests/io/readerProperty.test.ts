/**
 * Property: whatever the bytes, the reader (readSource → parseCsv → readPanel → completeCases) either returns
 * well-formed data or throws one of our typed errors (a CpvError: DataError, UsageError, ModelError) with a
 * one-line message. Nothing else may escape: no TypeError, RangeError, or csv-parse's CsvError.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CpvError } from '../../src/errors.js';
import { parseCsv, type RawTable } from '../../src/io/csv.js';
import { completeCases, readPanel, type ColumnKind } from '../../src/io/panel.js';
import { readSource } from '../../src/io/source.js';

const NAO_HEADER = ['la', 'year', 'idaci', 'spend', 'vacancy', 'cpp_rate'];

/** Cells that have tripped CSV readers. */
const TRICKY = [
  '',
  ' ',
  'NA',
  'na',
  'n/a',
  '-',
  '.',
  '"',
  '""',
  '"a,b"',
  ',',
  ';',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\ufeff',
  '\u0000',
  '\u2028',
  '\u00a0',
  'Inf',
  '-Inf',
  'NaN',
  'Infinity',
  '1,234',
  '12,3',
  '1 234',
  '0x1F',
  '12abc',
  '1e999',
  '-0',
  '\u22121',
  '£5',
  '5%',
  'é',
  '\u{1F642}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '#',
  'sep=;',
  '<html>',
  'la',
  'year',
  'cpp_rate',
  '\\',
  "'",
  '=1+2',
];

const numberText = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x.toFixed(3)),
);

const cellText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 3, arbitrary: numberText },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.constantFrom('"', ',', '\r', '\n', 'a', '1', '.', ' ', '\ufeff', 'é'),
      maxLength: 10,
    }),
  },
  { weight: 1, arbitrary: fc.nat({ max: 5000 }).map((n) => 'y\n'.repeat(n)) },
);

/** A cell as written in the file: raw, or quoted with inner quotes doubled (or, sometimes, not doubled). */
const writtenCell = fc
  .tuple(cellText, fc.constantFrom('raw', 'raw', 'raw', 'quoted', 'quoted', 'quoted', 'badly quoted'))
  .map(([text, how]) => (how === 'raw' ? text : how === 'quoted' ? `"${text.replace(/"/g, '""')}"` : `"${text}"`));

const lineEnd = fc.constantFrom('\n', '\r\n', '\r');

/**
 * CSV-like text: an optional BOM, a header (the NAO one or random), and rows that are mostly as wide as the
 * header (one in eight has a random width), joined by a mix of line ends.
 */
const csvText = fc
  .record({
    bom: fc.boolean(),
    naoHeader: fc.boolean(),
    header: fc.array(writtenCell, { minLength: 1, maxLength: 7 }),
    rows: fc.array(
      fc.record({
        ragged: fc.nat({ max: 7 }),
        width: fc.nat({ max: 8 }),
        cells: fc.array(writtenCell, { minLength: 8, maxLength: 8 }),
      }),
      {
        maxLength: 12,
      },
    ),
    ends: fc.array(lineEnd, { minLength: 1, maxLength: 4 }),
    finalEnd: fc.boolean(),
  })
  .map(({ bom, naoHeader, header, rows, ends, finalEnd }) => {
    const head = naoHeader ? NAO_HEADER : header;
    const body = rows.map((row) => row.cells.slice(0, row.ragged === 0 ? row.width : head.length).join(','));
    const lines = [head.join(','), ...body];
    const text = lines
      .map((line, i) => line + (i < lines.length - 1 || finalEnd ? ends[i % ends.length]! : ''))
      .join('');
    return Buffer.from((bom ? '\ufeff' : '') + text);
  });

/** Well-formed NAO-like panels with a few tricky cells, so readPanel gets past parsing often. */
const panelText = fc
  .record({
    cells: fc.array(
      fc.array(fc.oneof({ weight: 40, arbitrary: numberText }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY) }), {
        minLength: 6,
        maxLength: 6,
      }),
      { minLength: 1, maxLength: 15 },
    ),
    end: lineEnd,
  })
  .map(({ cells, end }) =>
    Buffer.from(
      [NAO_HEADER.join(','), ...cells.map((row) => row.map((c) => `"${c.replace(/"/g, '""')}"`).join(','))].join(end) +
        end,
    ),
  );

const anyBytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
  fc
    .tuple(fc.constantFrom('la,year\n', '\ufeffa,b\r\n', 'x\r'), fc.uint8Array({ maxLength: 300 }))
    .map(([head, a]) => Buffer.concat([Buffer.from(head), Buffer.from(a)])),
);

/** Column requests: an index into the header (wrapping), or a name of their own. */
const requests = fc.array(
  fc.record({
    pick: fc.option(fc.nat(), { nil: undefined }),
    name: fc.oneof(fc.constantFrom(...NAO_HEADER, '__proto__', 'constructor', ''), fc.string({ maxLength: 6 })),
    kind: fc.constantFrom<ColumnKind>('numeric', 'categorical'),
  }),
  { maxLength: 6 },
);

const missingTokens = fc.array(
  fc.oneof(fc.constantFrom('.', '-', 'x', ' c ', '', 'n/a'), fc.string({ maxLength: 4 })),
  { maxLength: 3 },
);

type Requests = readonly { pick: number | undefined; name: string; kind: ColumnKind }[];

/** Check the invariants of a parsed table. */
function checkTable(table: RawTable): void {
  expect(table.header.length).toBeGreaterThan(0);
  expect(new Set(table.header).size).toBe(table.header.length);
  for (const name of table.header) expect(name.trim()).toBe(name);
  for (const name of table.header) expect(name).not.toBe('');
  expect(table.records.length).toBeGreaterThan(0);
  for (const record of table.records) {
    expect(record).toHaveLength(table.header.length);
    for (const cell of record) expect(typeof cell).toBe('string');
  }
}

/** Run the reader; return normally on data or on one of our errors, and rethrow anything else. */
function read(bytes: Buffer, wanted: Requests, tokens: readonly string[]): void {
  try {
    const table = parseCsv({ name: 'prop.csv', bytes });
    checkTable(table);
    const asked = wanted.map((r) => ({
      name: r.pick === undefined ? r.name : table.header[r.pick % table.header.length]!,
      kind: r.kind,
    }));
    const panel = readPanel(table, asked, { missingTokens: tokens });
    expect(panel.rowCount).toBe(table.records.length);
    for (const column of panel.columns.values()) {
      if (column.kind === 'numeric') {
        expect(column.values).toHaveLength(panel.rowCount);
        for (const v of column.values) expect(Number.isNaN(v) || Number.isFinite(v)).toBe(true);
      } else {
        expect(column.codes).toHaveLength(panel.rowCount);
        for (const c of column.codes) expect(c >= -1 && c < column.levels.length).toBe(true);
      }
    }
    const names = [...panel.columns.keys()];
    const cases = completeCases(panel, names);
    expect(cases.rows.length + cases.droppedRows).toBe(panel.rowCount);
    for (const name of names) expect(Object.hasOwn(cases.missingByColumn, name)).toBe(true);
  } catch (error) {
    if (!(error instanceof CpvError)) throw error;
    expect(error.message).not.toMatch(/[\r\n\u2028\u2029]/); // one line
    expect(error.message.length).toBeLessThan(4000);
  }
}

/** Runs per property; CPV_PROPERTY_RUNS=20000 for a longer search. */
const RUNS = { numRuns: Number(process.env.CPV_PROPERTY_RUNS ?? 600) };

describe('the reader never leaks an untyped error', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(anyBytes, requests, missingTokens, (bytes, wanted, tokens) => read(bytes, wanted, tokens)),
      RUNS,
    );
  });

  it('random CSV-like text (quotes, commas, CR/LF, numbers, NA, unicode)', () => {
    fc.assert(
      fc.property(csvText, requests, missingTokens, (bytes, wanted, tokens) => read(bytes, wanted, tokens)),
      RUNS,
    );
  });

  it('well-formed panels with tricky cells, every column requested', () => {
    const all: Requests = NAO_HEADER.map((name, i) => ({
      pick: undefined,
      name,
      kind: i < 2 ? 'categorical' : 'numeric',
    }));
    fc.assert(
      fc.property(panelText, missingTokens, (bytes, tokens) => read(bytes, all, tokens)),
      RUNS,
    );
  });

  describe('through a file on disk', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cpv-prop-'));
    afterAll(() => rmSync(folder, { recursive: true, force: true }));
    it('readSource + parseCsv', () => {
      let n = 0;
      fc.assert(
        fc.property(fc.oneof(anyBytes, csvText), requests, (bytes, wanted) => {
          const path = join(folder, `f${n++}.csv`);
          writeFileSync(path, bytes);
          try {
            const source = readSource(path);
            expect(source.bytes.equals(bytes)).toBe(true);
            read(source.bytes, wanted, []);
          } catch (error) {
            if (!(error instanceof CpvError)) throw error;
          } finally {
            rmSync(path);
          }
        }),
        { numRuns: Math.ceil(RUNS.numRuns / 3) },
      );
    });
  });
});
