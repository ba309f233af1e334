/**
 * The row filter `--where`: rows of a table kept where a condition (src/models/spec/condition.ts) is TRUE, with
 * each kept row's spreadsheet row number, so that later messages still point at the right line of the file.
 */
import { DataError, UsageError } from '../errors.js';
import { displayText, keepRecords, quotedText, rowNumber, type RawTable } from '../io/csv.js';
import { DEFAULT_MISSING_TOKENS, parseStrictNumber } from '../io/panel.js';
import { type Condition, conditionColumns, evaluateCondition } from '../models/spec/condition.js';
import { groupThousands } from '../groupThousands.js';

/** What a filter did. */
export interface WhereReport {
  /** The condition as given. */
  readonly text: string;
  readonly rowsRead: number;
  readonly rowsRemoved: number;
}

/**
 * Keep the rows of `table` where `condition` is TRUE (a row where it is FALSE or missing is removed). Columns are
 * read for the condition only: as text (trimmed, missing markers as missing) where compared with a text, as numbers
 * (strictly) in arithmetic.
 *
 * @throws {UsageError} an unknown column; a text column used as a number; text compared with a number expression.
 */
export function applyWhere(
  table: RawTable,
  condition: Condition,
  text: string,
  missingTokens: readonly string[],
): { table: RawTable; report: WhereReport } {
  const missing = new Set([...DEFAULT_MISSING_TOKENS, ...missingTokens.map((token) => token.trim())]);
  for (const name of conditionColumns(condition)) {
    if (!table.header.includes(name)) {
      throw new UsageError(`column ${JSON.stringify(name)} is not in ${table.file}`);
    }
  }
  const textCache = new Map<string, string[]>();
  const numberCache = new Map<string, Float64Array>();
  const text_ = (name: string): readonly string[] | undefined => {
    const index = table.header.indexOf(name);
    if (index < 0) return undefined;
    let cells = textCache.get(name);
    if (!cells) {
      cells = table.records.map((record) => {
        const cell = record[index]!.trim();
        return missing.has(cell) ? '' : cell;
      });
      textCache.set(name, cells);
    }
    return cells;
  };
  const numbers = (name: string): Float64Array | undefined => {
    const index = table.header.indexOf(name);
    if (index < 0) return undefined;
    let values = numberCache.get(name);
    if (!values) {
      values = new Float64Array(table.records.length);
      table.records.forEach((record, i) => {
        const cell = record[index]!.trim();
        if (missing.has(cell)) {
          values![i] = Number.NaN;
          return;
        }
        const value = parseStrictNumber(cell);
        if (value === undefined) {
          throw new DataError(
            `${quotedText(cell)} is not a number; to compare text, quote it: ${displayText(name)} ` +
              `== ${JSON.stringify(cell)}`,
            { file: table.file, row: rowNumber(i, table), column: displayText(name) },
          );
        }
        values![i] = value;
      });
      numberCache.set(name, values);
    }
    return values;
  };
  const verdict = evaluateCondition(condition, { text: text_, numbers }, table.records.length);
  const kept = keepRecords(table, (i) => verdict[i] === 1);
  return {
    table: kept,
    report: { text, rowsRead: table.records.length, rowsRemoved: table.records.length - kept.records.length },
  };
}

/** The note for the output: `rows removed by --where: 14 of 1,044`. */
export function whereNote(report: WhereReport): string {
  return (
    `rows removed by --where ${JSON.stringify(report.text)}: ${groupThousands(report.rowsRemoved)} ` +
    `of ${groupThousands(report.rowsRead)}`
  );
}
