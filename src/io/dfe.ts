/**
 * DfE "explore education statistics" (EES) files: recognise them and normalise their conventions so that the
 * rest of the tool can read them like any other CSV.
 *
 * An EES data file is "tidy": one row per time period × geography × filter combination, with the mandatory
 * columns `time_period`, `time_identifier`, `geographic_level`, `country_code` and `country_name`, and rows for
 * several geographic levels (National, Regional, Local authority, ...) stacked in one file. Values that cannot
 * be published are written as symbols (`c`, `x`, `z`, `low`, `u`, ...) in otherwise numeric columns.
 *
 * Reference: DfE, "Open data standards" in the analysts' guide
 * (https://dfe-analytical-services.github.io/analysts-guide/), and the file checks of the EES screener
 * (https://github.com/dfe-analytical-services/eesyscreener), whose lists of time identifiers and GSS symbols are
 * followed here.
 *
 * A `time_period` is a label, not a date: check what it means before joining files. In the children-in-need
 * census tables (e.g. CPPs at 31 March) "Reporting year" 2018 is the position at 31 March 2018; in the social work
 * workforce tables "Reporting year" 2017 is the snapshot at 30 September 2017, six months earlier than CPP 2018.
 *
 * Pure functions: no file I/O, inputs are never mutated.
 */
import { DataError } from '../errors.js';
import { rowNumber, type RawTable } from './csv.js';

/**
 * The local-authority identifier columns of an EES file.
 *
 * - `old_la_code`: DfE's 3-digit LA number (e.g. 202 Camden). It is the stable join key: it stays the same when
 *   an authority continues with the same area even though its ONS code changes (Buckinghamshire 825 through its
 *   2020 change to a unitary authority, North Yorkshire 815 and Somerset 933 through 2023, Barnsley 370 and
 *   Sheffield 373 through their later ONS recoding). An authority whose area changes gets a NEW number and the
 *   old one ends: Bournemouth 837, Poole 836 and Dorset county 835 became Bournemouth, Christchurch and Poole 839
 *   and Dorset 838 in April 2019; Northamptonshire 928 split into North 940 and West 941 in April 2021;
 *   Cumbria 909 split into Cumberland 942 and Westmorland and Furness 943 in April 2023. Joins across those
 *   dates therefore leave those authorities unmatched in one of the years, which is correct.
 * - `new_la_code`: the 9-digit ONS code (E06 unitary, E08 metropolitan district, E09 London borough, E10 county).
 *   It changes whenever ONS recodes an authority (North Yorkshire E10000023 → E06000065, Buckinghamshire
 *   E10000002 → E06000060), and files of the same year can disagree: the 2025 workforce file already gives
 *   Barnsley and Sheffield E08000038 and E08000039, the CPP file at 31 March 2025 still E08000016 and E08000019.
 *   It is not a stable key.
 * - `la_name`: the authority's name, for people; spelling can differ between publications.
 *
 * Some EES files publish two authorities in one row with both numbers: the social work workforce file has
 * `314 / 318` (Kingston upon Thames and Richmond upon Thames, whose children's services are shared) in every year
 * and `940 / 941` (North and West Northamptonshire, sharing a children's trust) from 2021. Such rows match neither
 * authority in a join; splitting them is the caller's decision.
 */
export const LA_CODE_COLUMNS: readonly string[] = ['old_la_code', 'new_la_code', 'la_name'];

/** The columns whose joint presence marks an EES file. */
const DFE_REQUIRED_COLUMNS: readonly string[] = ['time_period', 'geographic_level'];

/** The geographic level kept by default. */
const DEFAULT_DFE_LEVEL = 'Local authority';

/**
 * Cell symbols that mean "no number here" in DfE statistics files, with their documented meaning. Each becomes
 * an empty (missing) cell and is counted. Matched against the whole trimmed cell, case-sensitively.
 *
 * Current GSS/EES symbols (EES screener `gss_symbols`, plus `u` from the GSS guidance on symbols in tables):
 * `c`, `low`, `u`, `x`, `z`. Legacy EES symbols (screener `legacy_gss_symbols`): `~`, `:`. Symbols of the
 * pre-EES Statistical First Release underlying-data files: `..`, `.`, `-` (and `x`, which there meant
 * "suppressed"). `low`, `~` and `-` stand for a figure that rounds to zero; treating them as missing rather than
 * 0 is deliberate (the true value is unknown), and the report says how many there were.
 */
export const DFE_SYMBOLS: Readonly<Record<string, string>> = {
  c: 'confidential (suppressed)',
  low: 'rounds to 0 but is not 0',
  u: 'low reliability',
  x: 'not available',
  z: 'not applicable',
  '~': 'rounds to 0 but is not 0 (legacy EES symbol)',
  ':': 'not available (legacy EES symbol)',
  '..': 'not available (legacy DfE symbol)',
  '.': 'not applicable (legacy DfE symbol)',
  '-': 'nil or negligible (legacy DfE symbol)',
};

/** Columns that describe the row rather than hold data: never rewritten as symbols or numbers. */
const STRUCTURAL_COLUMNS: readonly string[] = ['time_period', 'time_identifier', 'geographic_level'];

const THOUSANDS_NUMBER = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const FOUR_DIGIT_PERIOD = /^\d{4}$/;
const SIX_DIGIT_PERIOD = /^(\d{4})(\d{2})$/;
const LABELLED_PERIOD = /^(\d{4})-(\d{2})$/;

/** What normalising one EES file did; every kept, dropped, blanked or rewritten cell is counted here. */
export interface DfeReport {
  readonly file: string;
  /** The geographic level kept, as spelled in the file. */
  readonly level: string;
  readonly rowsRead: number;
  readonly rowsKept: number;
  /** Rows per geographic level in the whole file, in order of first appearance. */
  readonly rowsByLevel: Readonly<Record<string, number>>;
  /** Rows dropped, per other level (sums to rowsRead − rowsKept). */
  readonly dropped: Readonly<Record<string, number>>;
  /** `time_period` codes of the kept rows. */
  readonly timePeriod: DfeTimePeriodReport;
  /** `time_identifier` values of the kept rows with their row counts (empty if the file has no such column). */
  readonly timeIdentifiers: Readonly<Record<string, number>>;
  /**
   * Cells of the kept rows that held a symbol, per column (header order) then per symbol (DFE_SYMBOLS order); only
   * those seen.
   */
  readonly missing: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The same cells, per symbol over all columns. */
  readonly missingBySymbol: Readonly<Record<string, number>>;
  /** Cells of the kept rows whose thousands separators were removed (`"1,234"` → `1234`), per column (header order). */
  readonly thousandsSeparators: Readonly<Record<string, number>>;
}

export interface DfeTimePeriodReport {
  /** `year` when every code has four digits, `span` when every code has six (or is already `YYYY-YY`), else `mixed`. */
  readonly convention: 'year' | 'span' | 'mixed';
  /** Rows with a four-digit code (`2017`, kept as it is). */
  readonly fourDigit: number;
  /** Rows with a six-digit code (`201718`, relabelled `2017-18`). */
  readonly sixDigit: number;
  /** Rows whose code was already a `2017-18` label (normalising twice changes nothing). */
  readonly labelled: number;
  /** The distinct labels, in time order (see timePeriodOrder). */
  readonly periods: readonly string[];
}

export interface DfeOptions {
  /** The geographic level to keep, matched case-insensitively; default "Local authority". */
  readonly level?: string;
}

/**
 * Whether a table is an EES file: its header has both `time_period` and `geographic_level`, spelled exactly so
 * (lower case, after trimming, as the EES data standards require). The real DfE files have both; the IPSE panel
 * has `time_period` but no `geographic_level`, and the old SFR underlying-data files have neither, so neither is
 * treated as EES.
 *
 * @example detectDfeFormat(['time_period', 'time_identifier', 'geographic_level', 'old_la_code']) // true
 */
export function detectDfeFormat(header: readonly string[]): boolean {
  const names = new Set(header.map((name) => name.trim()));
  return DFE_REQUIRED_COLUMNS.every((name) => names.has(name));
}

/**
 * Normalise an EES file into a new table with the same header:
 * 1. keep the rows of one geographic level (default "Local authority"; `options.level` is matched
 *    case-insensitively; a level not in the file is a DataError listing the levels present);
 * 2. relabel six-digit `time_period` codes as years spans (`201718` → `2017-18`); four-digit codes stay;
 *    anything else, or a six-digit code whose years are not consecutive, is a DataError at its row;
 * 3. blank every cell that holds a DfE symbol (DFE_SYMBOLS) and count it per column and symbol;
 * 4. remove thousands separators from numbers (`"1,234.5"` → `1234.5`); other cells are untouched.
 * Steps 3–4 skip the structural columns `time_period`, `time_identifier` and `geographic_level`, and all counts
 * refer to the kept rows. Rows keep their order; record numbers change, so report row numbers from the input.
 *
 * @throws DataError if the table is not an EES file (see detectDfeFormat), the level is absent, or a
 *   `time_period` code is malformed.
 * @example
 * const { table, report } = normaliseDfeTable(parseCsv(source), {});
 * formatDfeReport(report).forEach((line) => console.error(line));
 */
export function normaliseDfeTable(table: RawTable, options: DfeOptions): { table: RawTable; report: DfeReport } {
  const { file, header } = table;
  const trimmedHeader = header.map((name) => name.trim());
  const missingColumns = DFE_REQUIRED_COLUMNS.filter((name) => !trimmedHeader.includes(name));
  if (missingColumns.length > 0) {
    throw new DataError(
      `is not a DfE statistics file: it has no ${missingColumns.map((name) => `"${name}"`).join(' or ')} column`,
      { file },
    );
  }
  const levelIndex = trimmedHeader.indexOf('geographic_level');
  const periodIndex = trimmedHeader.indexOf('time_period');
  const identifierIndex = trimmedHeader.indexOf('time_identifier');

  const rowsByLevel: Record<string, number> = {};
  for (const record of table.records) {
    const level = record[levelIndex]!.trim();
    rowsByLevel[level] = (rowsByLevel[level] ?? 0) + 1;
  }
  const level = chooseLevel(rowsByLevel, options.level ?? DEFAULT_DFE_LEVEL, file);

  const dataColumns = trimmedHeader.flatMap((name, index) => (STRUCTURAL_COLUMNS.includes(name) ? [] : [index]));
  const missing: Record<string, Record<string, number>> = {};
  const missingBySymbol: Record<string, number> = {};
  const thousandsSeparators: Record<string, number> = {};
  const timeIdentifiers: Record<string, number> = {};
  const counts = { fourDigit: 0, sixDigit: 0, labelled: 0 };
  const periods = new Set<string>();
  const records: string[][] = [];
  const rowNumbers: number[] = [];

  table.records.forEach((record, i) => {
    if (record[levelIndex]!.trim() !== level) return;
    rowNumbers.push(rowNumber(i, table));
    const out = [...record];
    const period = relabelPeriod(record[periodIndex]!, {
      file,
      row: rowNumber(i, table),
      column: header[periodIndex]!,
    });
    counts[period.kind]++;
    out[periodIndex] = period.label;
    periods.add(period.label);
    if (identifierIndex >= 0) {
      const identifier = record[identifierIndex]!.trim();
      timeIdentifiers[identifier] = (timeIdentifiers[identifier] ?? 0) + 1;
    }
    for (const index of dataColumns) {
      const cell = record[index]!.trim();
      const column = header[index]!;
      if (Object.hasOwn(DFE_SYMBOLS, cell)) {
        out[index] = '';
        const perColumn = (missing[column] ??= {});
        perColumn[cell] = (perColumn[cell] ?? 0) + 1;
        missingBySymbol[cell] = (missingBySymbol[cell] ?? 0) + 1;
      } else if (THOUSANDS_NUMBER.test(cell)) {
        out[index] = cell.replaceAll(',', '');
        thousandsSeparators[column] = (thousandsSeparators[column] ?? 0) + 1;
      }
    }
    records.push(out);
  });

  const dropped: Record<string, number> = {};
  for (const [name, count] of Object.entries(rowsByLevel)) if (name !== level) dropped[name] = count;
  const present = [counts.fourDigit > 0, counts.sixDigit + counts.labelled > 0];
  const report: DfeReport = {
    file,
    level,
    rowsRead: table.records.length,
    rowsKept: records.length,
    rowsByLevel,
    dropped,
    timePeriod: {
      convention: present[0] && present[1] ? 'mixed' : present[0] ? 'year' : 'span',
      ...counts,
      periods: [...periods].sort((a, b) => timePeriodOrder(a) - timePeriodOrder(b)),
    },
    timeIdentifiers,
    missing: Object.fromEntries(
      inHeaderOrder(missing, header).map(([column, bySymbol]) => [column, inSymbolOrder(bySymbol)]),
    ),
    missingBySymbol: inSymbolOrder(missingBySymbol),
    thousandsSeparators: Object.fromEntries(inHeaderOrder(thousandsSeparators, header)),
  };
  // The rows kept keep their numbers in the file, so that errors name the row a reader would look at.
  return { table: { file, header: [...header], records, rowNumbers }, report };
}

/** The entries of a per-column record in header order. */
function inHeaderOrder<T>(record: Record<string, T>, header: readonly string[]): [string, T][] {
  return header.flatMap((column) => (Object.hasOwn(record, column) ? [[column, record[column]!] as [string, T]] : []));
}

/** A per-symbol record with its keys in the order of DFE_SYMBOLS. */
function inSymbolOrder(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.keys(DFE_SYMBOLS).flatMap((symbol) => (Object.hasOwn(record, symbol) ? [[symbol, record[symbol]!]] : [])),
  );
}

function chooseLevel(rowsByLevel: Record<string, number>, wanted: string, file: string): string {
  const target = wanted.trim().toLowerCase();
  const match = Object.keys(rowsByLevel).find((level) => level.toLowerCase() === target);
  if (match !== undefined) return match;
  const present = Object.entries(rowsByLevel)
    .map(([level, count]) => `${JSON.stringify(level)} (${formatCount(count)} rows)`)
    .join(', ');
  throw new DataError(`has no rows at geographic level "${wanted.trim()}"; the levels present are: ${present}`, {
    file,
    column: 'geographic_level',
  });
}

interface Period {
  readonly label: string;
  readonly kind: 'fourDigit' | 'sixDigit' | 'labelled';
}

function relabelPeriod(cell: string, location: { file: string; row: number; column: string }): Period {
  const code = cell.trim();
  if (FOUR_DIGIT_PERIOD.test(code)) return { label: code, kind: 'fourDigit' };
  const six = SIX_DIGIT_PERIOD.exec(code);
  if (six) {
    checkConsecutive(six[1]!, six[2]!, code, location);
    return { label: `${six[1]}-${six[2]}`, kind: 'sixDigit' };
  }
  const labelled = LABELLED_PERIOD.exec(code);
  if (labelled) {
    checkConsecutive(labelled[1]!, labelled[2]!, code, location);
    return { label: code, kind: 'labelled' };
  }
  throw new DataError(
    `${JSON.stringify(cell)} is not a DfE time period (expected four digits such as 2017, ` +
      'or six such as 201718 for 2017-18)',
    location,
  );
}

function checkConsecutive(
  start: string,
  end: string,
  code: string,
  location: { file: string; row: number; column: string },
): void {
  const expected = String((Number(start) + 1) % 100).padStart(2, '0');
  if (end !== expected) {
    throw new DataError(
      `${JSON.stringify(code)} is not a span of consecutive years (the span starting ${start} ` +
        `is ${start}${expected}, i.e. ${start}-${expected})`,
      location,
    );
  }
}

/**
 * A number that sorts time-period labels in time order: a year `2017` → 2017; a span `2017-18` (or its raw
 * six-digit code `201718`) → 2017.5, its start year plus one half, so that 2017 < 2017-18 < 2018. Use it to
 * order years in fixed effects and reports; it does not claim that a span and a year mean the same period
 * (a "Reporting year" 2018 at 31 March and the financial year 2017-18 describe the same twelve months, yet sort
 * apart).
 *
 * @throws DataError if the label is none of `YYYY`, `YYYY-YY` or `YYYYYY` with consecutive years.
 * @example ['2018-19', '2017', '2017-18'].sort((a, b) => timePeriodOrder(a) - timePeriodOrder(b))
 *   // ['2017', '2017-18', '2018-19']
 */
export function timePeriodOrder(label: string): number {
  const text = label.trim();
  if (FOUR_DIGIT_PERIOD.test(text)) return Number(text);
  const span = SIX_DIGIT_PERIOD.exec(text) ?? LABELLED_PERIOD.exec(text);
  if (span && String((Number(span[1]) + 1) % 100).padStart(2, '0') === span[2]) return Number(span[1]) + 0.5;
  throw new DataError(
    `${JSON.stringify(label)} is not a time period (expected a year such as 2017 or a span such as 2017-18)`,
  );
}

/**
 * Lines for people (stderr) describing a DfeReport: levels kept and dropped, the time-period convention, and the
 * symbols blanked per column.
 *
 * @example formatDfeReport(report)[0]
 *   // 'cpp.csv: DfE statistics file; kept 1,976 "Local authority" rows (dropped 13 National, 143 Regional)'
 */
export function formatDfeReport(report: DfeReport): string[] {
  const { file } = report;
  const droppedText = Object.entries(report.dropped)
    .map(([level, count]) => `${formatCount(count)} ${level === '' ? '(blank level)' : level}`)
    .join(', ');
  const lines = [
    `${file}: DfE statistics file; kept ${formatCount(report.rowsKept)} "${report.level}" rows` +
      (droppedText === '' ? '' : ` (dropped ${droppedText})`),
  ];
  const { timePeriod } = report;
  const periods = timePeriod.periods;
  const range =
    periods.length === 0
      ? 'none'
      : periods.length === 1
        ? periods[0]!
        : `${periods[0]} to ${periods[periods.length - 1]} (${periods.length} periods)`;
  const convention =
    timePeriod.convention === 'year'
      ? 'four-digit years'
      : timePeriod.convention === 'span'
        ? `year spans${
            timePeriod.sixDigit > 0
              ? ` (${formatCount(timePeriod.sixDigit)} six-digit codes such as 201718 shown as 2017-18)`
              : ''
          }`
        : `mixed: ${formatCount(timePeriod.fourDigit)} four-digit years ` +
          `and ${formatCount(timePeriod.sixDigit + timePeriod.labelled)} year spans`;
  const identifiers = Object.entries(report.timeIdentifiers)
    .map(([name, count]) => `${name} (${formatCount(count)})`)
    .join(', ');
  lines.push(
    `${file}: time_period ${convention}: ${range}${identifiers === '' ? '' : `; time_identifier ${identifiers}`}`,
  );
  const columns = Object.entries(report.missing);
  if (columns.length === 0) {
    lines.push(`${file}: no suppression symbols`);
  } else {
    const totals = Object.entries(report.missingBySymbol)
      .map(([symbol, count]) => `${symbol}=${formatCount(count)} (${DFE_SYMBOLS[symbol]})`)
      .join(', ');
    lines.push(`${file}: blanked as missing by symbol: ${totals}; per column:`);
    for (const [column, bySymbol] of columns) {
      const counts = Object.entries(bySymbol)
        .map(([symbol, count]) => `${symbol}=${formatCount(count)}`)
        .join(' ');
      lines.push(`  ${column} ${counts}`);
    }
  }
  const thousands = Object.entries(report.thousandsSeparators);
  if (thousands.length > 0) {
    const total = thousands.reduce((sum, [, count]) => sum + count, 0);
    lines.push(
      `${file}: removed thousands separators from ${formatCount(total)} numbers (${thousands
        .map(([column, count]) => `${column} ${formatCount(count)}`)
        .join(', ')})`,
    );
  }
  return lines;
}

/**
 * The report of `normaliseDfeTable` in one line, for standard error by default: the file, the rows kept, the
 * periods, and how many cells held a suppression symbol; `formatDfeReport` has the whole of it (`--verbose`).
 *
 * @example summariseDfeReport(report)
 *   // 'cpp.csv: DfE statistics file; kept 1,976 "Local authority" rows, 2016 to 2022 (7 periods); ' +
 *   // '14 suppressed cells made missing (--verbose for each column)'
 */
export function summariseDfeReport(report: DfeReport): string {
  const periods = report.timePeriod.periods;
  const range =
    periods.length === 0
      ? 'no periods'
      : periods.length === 1
        ? `${periods[0]} (1 period)`
        : `${periods[0]} to ${periods[periods.length - 1]} (${periods.length} periods)`;
  const suppressed = Object.values(report.missingBySymbol).reduce((sum, count) => sum + count, 0);
  const cells =
    suppressed === 0
      ? 'no suppressed cells (--verbose for the full report)'
      : `${formatCount(suppressed)} suppressed ${suppressed === 1 ? 'cell' : 'cells'} made missing (--verbose ` +
        'for each column)';
  return (
    `${report.file}: DfE statistics file; kept ${formatCount(report.rowsKept)} "${report.level}" ` +
    `rows, ${range}; ${cells}`
  );
}

/** A count with comma thousands separators (1976 → "1,976"), independent of the locale. */
function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
