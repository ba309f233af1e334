/**
 * OpenDocument spreadsheets (.ods): the cells of one sheet, read in this process without a third-party reader.
 *
 * An .ods file is a ZIP archive whose `content.xml` holds the sheets (`table:table`, named by `table:name`), their
 * rows (`table:table-row`, `table:number-rows-repeated`) and cells (`table:table-cell`, `table:covered-table-cell`,
 * `table:number-columns-repeated`), each cell's value in an attribute by its `office:value-type`, or its text in
 * `text:p` paragraphs. fflate unzips `content.xml` (at most `MAX_CONTENT_BYTES`, refused by the size the archive
 * declares, and never inflated past it), and a small XML scanner below reads it in one pass: it resolves namespace
 * prefixes, decodes the five predefined entities and character references, and refuses a DOCTYPE (so no entity
 * can expand). Only the chosen sheet is kept, and only up to its last non-empty cell: runs of empty rows or cells
 * (a trailing `table:number-columns-repeated="16384"`) are counted, not materialised, unless a value follows them.
 * A sheet is bounded by the format's limits (`MAX_ROWS` rows, `MAX_COLUMNS` columns) and by `MAX_CELLS`.
 */
import { DataError } from '../errors.js';
import { displayText } from './csv.js';
import { type Cell, columnLetters, type SheetCells } from './workbook.js';
import { groupThousands } from '../groupThousands.js';
import { lazyRequire } from '../lazyRequire.js';

/** fflate, loaded when an .ods file is read (see lazyRequire). */
const fflate = lazyRequire<typeof import('fflate')>('fflate');

/** The largest `content.xml` read, uncompressed: 256 MiB, the limit of an input file. */
export const MAX_CONTENT_BYTES = 256 * 1024 * 1024;

/** Rows of a sheet (LibreOffice Calc and Excel: 1,048,576). */
export const MAX_ROWS = 1_048_576;

/** Columns of a sheet (LibreOffice Calc and Excel: 16,384, to XFD). */
export const MAX_COLUMNS = 16_384;

/** Cells kept of a sheet, empty ones inside its rows included: far above any statistics table. */
export const MAX_CELLS = 20_000_000;

/** The longest text of one cell, in characters (a CSV line may be 1 MiB). */
export const MAX_CELL_CHARS = 1024 * 1024;

const NAMESPACES: Readonly<Record<string, string>> = {
  'urn:oasis:names:tc:opendocument:xmlns:office:1.0': 'office',
  'urn:oasis:names:tc:opendocument:xmlns:table:1.0': 'table',
  'urn:oasis:names:tc:opendocument:xmlns:text:1.0': 'text',
  'urn:oasis:names:tc:opendocument:xmlns:drawing:1.0': 'draw',
  'urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0': 'calcext',
};

/** Elements inside a cell whose text is not the cell's: comments, notes, drawings. */
const SKIPPED = new Set(['office:annotation', 'text:note', 'text:ruby-text']);

const READ_AS = 'save it again from LibreOffice Calc, or save it as an Excel workbook (.xlsx) or CSV UTF-8';

/** A sheet being kept. */
interface SheetBuild {
  rows: (readonly Cell[])[];
  /** Rows seen so far, empty ones at the foot included. */
  seen: number;
  cells: number;
}

/** A row being read. */
interface RowBuild {
  repeat: number;
  cells: Cell[];
  /** Empty cells after the last value, not yet materialised. */
  pending: number;
}

/** A cell being read. */
interface CellBuild {
  repeat: number;
  attributes: Map<string, string>;
  paragraphs: string[];
  /** The paragraph being read, or undefined outside one. */
  paragraph: string | undefined;
  paragraphDepth: number;
  /** Whether the last character of the paragraph is white space (collapsed, ODF 1.2 §6.1.2). */
  space: boolean;
  length: number;
}

const EMPTY_ROW: readonly Cell[] = [];

/**
 * Read the chosen sheet of an .ods file: the sheet named `choice`, else, when `choice` is a whole number, the sheet
 * at that position from 1; the first when `choice` is ''. `index` is -1 when there is no such sheet.
 *
 * @throws {DataError} not a readable .ods file (damaged, password-protected, content.xml too large or not well
 *   formed), or a sheet beyond the limits above.
 */
export function readOdsCells(bytes: Uint8Array, choice: string, file: string): SheetCells {
  const xml = contentXml(bytes, file);
  return scanSheets(xml, choice, file);
}

function damaged(file: string, why: string): DataError {
  return new DataError(
    `cannot be read as an OpenDocument spreadsheet (.ods) (it is damaged or not a spreadsheet: ${why}); ${READ_AS}`,
    { file },
  );
}

/** The text of content.xml, unzipped within `MAX_CONTENT_BYTES`. */
function contentXml(bytes: Uint8Array, file: string): string {
  let tooLarge = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = fflate().unzipSync(bytes, {
      filter: ({ name, size, originalSize }) => {
        if (name !== 'content.xml' && name !== 'META-INF/manifest.xml') return false;
        const largest = Math.max(size, originalSize);
        const limit = name === 'content.xml' ? MAX_CONTENT_BYTES : 16 * 1024 * 1024;
        if (largest <= limit) return true;
        if (name === 'content.xml') tooLarge = largest;
        return false;
      },
    });
  } catch (error) {
    throw damaged(file, `the ZIP archive cannot be read: ${displayText(String((error as Error).message), 200)}`);
  }
  if (tooLarge > 0) {
    const mib = (tooLarge / 1024 / 1024).toFixed(0);
    throw new DataError(
      `has a content.xml of ${mib} MiB uncompressed, more than the ${MAX_CONTENT_BYTES / 1024 / 1024} MiB read; ` +
        'save the sheet as CSV UTF-8 and read that',
      { file },
    );
  }
  const manifest = entries['META-INF/manifest.xml'];
  if (manifest && Buffer.from(manifest).includes('encryption-data')) {
    throw new DataError(
      'is a password-protected OpenDocument spreadsheet; open it, and save it without a password, or as CSV UTF-8',
      { file },
    );
  }
  const content = entries['content.xml'];
  if (!content) throw damaged(file, 'it has no content.xml');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(content);
  } catch {
    throw damaged(file, 'its content.xml is not UTF-8 text');
  }
}

/** `office:value-type`'s value as a number, or undefined. */
function numberValue(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const DATE = /^(-?\d{4,})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** An `office:date-value` as milliseconds since 1970 (UTC; an offset, rare, is applied). */
function dateValue(text: string | undefined): number | undefined {
  const m = text === undefined ? null : DATE.exec(text.trim());
  if (!m) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Stryker disable next-line StringLiteral: Number('') is 0 too
  const ms = Math.round(Number(m[7] ?? '0') * 1000);
  date.setUTCHours(Number(m[4] ?? '0'), Number(m[5] ?? '0'), Number(m[6] ?? '0'), ms);
  let time = date.getTime();
  const zone = m[8];
  // Stryker disable next-line StringLiteral: 'Z' gives empty offsets: a shift of 0
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    time -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return Number.isFinite(time) ? time : undefined;
}

/** An `office:time-value` (an ISO 8601 duration, PT12H30M00S) as hh:mm:ss. */
function timeValue(text: string | undefined): string | undefined {
  const m = text === undefined ? null : /^(-?)P(?:(\d+)D)?T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(text);
  if (!m) return undefined;
  const hours = Number(m[2] ?? '0') * 24 + Number(m[3] ?? '0');
  // Stryker disable next-line StringLiteral: Number('') is 0 too
  const seconds = Number(m[5] ?? '0');
  const whole = Math.floor(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  const fraction = seconds > whole ? String(Math.round((seconds - whole) * 1000) / 1000).slice(1) : '';
  return `${m[1]}${two(hours)}:${two(Number(m[4] ?? '0'))}:${two(whole)}${fraction}`;
}

/** A cell's value by its type; null when empty, an error value, or a value that cannot be read. */
function cellValue(cell: CellBuild): Cell {
  const a = cell.attributes;
  if (a.get('calcext:value-type') === 'error') return null;
  const text = cell.paragraphs.join('\n');
  const orText = text === '' ? null : text;
  switch (a.get('office:value-type')) {
    case 'float':
    case 'percentage':
    // Stryker disable next-line ConditionalExpression: falls through to the same value as the next case
    case 'currency':
      return numberValue(a.get('office:value')) ?? orText;
    case 'date': {
      const ms = dateValue(a.get('office:date-value'));
      return ms === undefined ? orText : { date: ms };
    }
    case 'time':
      return timeValue(a.get('office:time-value')) ?? orText;
    case 'boolean': {
      const value = a.get('office:boolean-value')?.trim();
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return orText;
    }
    case 'string': {
      const value = a.get('office:string-value');
      return value !== undefined && value !== '' ? value : orText;
    }
    default:
      return orText;
  }
}

/** A positive whole number attribute (a repeat count, a count of spaces); 1 when absent. */
function count(value: string | undefined): number | undefined {
  if (value === undefined) return 1;
  const text = value.trim();
  if (!/^\d{1,15}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 ? n : undefined;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const ATTRIBUTE = /([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** One pass over content.xml: the sheets' names, and the chosen sheet's cells. */
function scanSheets(xml: string, choice: string, file: string): SheetCells {
  const sheets: string[] = [];
  const numbered = /^\d+$/.test(choice) ? Number(choice) - 1 : -1;
  let byName: SheetBuild | undefined;
  let byPosition: SheetBuild | undefined;
  let nameIndex = -1;

  // Namespaces: the bindings in force, and the depth at which each set of bindings was declared.
  let scope = new Map<string, string>([['xml', 'http://www.w3.org/XML/1998/namespace']]);
  // Stryker disable next-line ArrayDeclaration: an entry without a depth is never popped, nor read
  const scopes: { depth: number; scope: Map<string, string> }[] = [];
  let names = new Map<string, string>();
  const open: string[] = [];

  let spreadsheetDepth = -1;
  let sheetDepth = -1;
  // Stryker disable next-line StringLiteral: set before it is read
  let sheetName = '';
  let sheet: SheetBuild | undefined;
  let nestedDepth = -1;
  let row: RowBuild | undefined;
  let cell: CellBuild | undefined;
  let skipDepth = -1;
  // Stryker disable next-line UnaryOperator: set before it is read
  let cellDepth = -1;

  const where = (offset: number) => `content.xml line ${xml.slice(0, offset).split('\n').length}`;
  const fail = (offset: number, why: string) => damaged(file, `${why} at ${where(offset)}`);
  const sheetFile = () => `${file} sheet "${displayText(sheetName)}"`;

  const decode = (text: string, offset: number): string => {
    if (!text.includes('&')) return text;
    return text.replace(/&([^;&\s]*);?/g, (whole, entity: string) => {
      if (!whole.endsWith(';')) throw fail(offset, `a bare "&"`);
      const named = ENTITIES[entity];
      if (named !== undefined) return named;
      const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(entity);
      const code = m ? (m[1] !== undefined ? Number.parseInt(m[1], 16) : Number(m[2])) : -1;
      if (code < 1 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        throw fail(offset, `an unknown entity "&${displayText(entity, 20)};"`);
      }
      return String.fromCodePoint(code);
    });
  };

  const canonical = (raw: string, attribute: boolean): string => {
    const colon = raw.indexOf(':');
    if (colon < 0 && attribute) return raw;
    const prefix = colon < 0 ? '' : raw.slice(0, colon);
    const uri = scope.get(prefix);
    if (uri === undefined) return raw;
    const known = NAMESPACES[uri];
    return `${known ?? `{${uri}}`}:${raw.slice(colon + 1)}`;
  };
  const elementName = (raw: string): string => {
    let name = names.get(raw);
    if (name === undefined) {
      name = canonical(raw, false);
      names.set(raw, name);
    }
    return name;
  };

  const rowLimit = (from: number, repeat: number) => {
    if (from + repeat > MAX_ROWS) {
      throw new DataError(
        `has a value in row ${from + repeat}, beyond the ${groupThousands(MAX_ROWS)} rows a sheet may ` +
          'have; save the sheet as CSV UTF-8 and read that',
        { file: sheetFile() },
      );
    }
  };

  const addCells = (n: number, rowNumber: number) => {
    sheet!.cells += n;
    if (sheet!.cells > MAX_CELLS) {
      throw new DataError(
        `has more than ${groupThousands(MAX_CELLS)} cells up to its last value; save the sheet as CSV ` +
          'UTF-8 and read that',
        { file: sheetFile(), row: rowNumber },
      );
    }
  };

  const endCell = () => {
    const c = cell!;
    cell = undefined;
    const r = row!;
    const value = cellValue(c);
    if (value === null || value === '') {
      r.pending += c.repeat;
      return;
    }
    const first = r.cells.length + r.pending;
    if (first + c.repeat > MAX_COLUMNS) {
      const rowNumber = sheet!.seen + 1;
      throw new DataError(
        `has a value in column ${columnLetters(first + c.repeat - 1)} (${quoted(value)}), beyond the ` +
          `${groupThousands(MAX_COLUMNS)} columns a sheet may have; save the sheet as CSV UTF-8 and read that`,
        { file: sheetFile(), row: rowNumber },
      );
    }
    for (; r.pending > 0; r.pending--) r.cells.push(null);
    for (let k = 0; k < c.repeat; k++) r.cells.push(value);
  };

  const endRow = () => {
    const r = row!;
    row = undefined;
    const s = sheet!;
    if (r.cells.length > 0) {
      rowLimit(s.seen, r.repeat);
      addCells(r.cells.length * r.repeat + (s.seen - s.rows.length), s.seen + 1);
      while (s.rows.length < s.seen) s.rows.push(EMPTY_ROW);
      for (let k = 0; k < r.repeat; k++) s.rows.push(r.cells);
    }
    s.seen += r.repeat;
  };

  const text = (raw: string, offset: number) => {
    const c = cell!;
    const decoded = decode(raw, offset);
    let out = '';
    for (let k = 0; k < decoded.length; k++) {
      const ch = decoded[k]!;
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
        if (!c.space) out += ' ';
        c.space = true;
      } else {
        out += ch;
        c.space = false;
      }
    }
    append(out, offset);
  };

  const append = (out: string, offset: number) => {
    const c = cell!;
    c.length += out.length;
    if (c.length > MAX_CELL_CHARS) {
      throw new DataError(
        `has a cell of more than ${groupThousands(MAX_CELL_CHARS)} characters (${where(offset)}); save the ` +
          'sheet as CSV UTF-8 and read that',
        { file: sheetFile(), row: sheet!.seen + 1 },
      );
    }
    c.paragraph += out;
  };

  const start = (raw: string, body: string, selfClosing: boolean, offset: number) => {
    const depth = open.length;
    let attributes: Map<string, string> | undefined;
    const readAttributes = () => {
      if (attributes) return attributes;
      attributes = new Map();
      for (const m of body.matchAll(ATTRIBUTE)) {
        const value = decode((m[2] ?? m[3]!).replace(/[\t\n\r]/g, ' '), offset);
        attributes.set(canonical(m[1]!, true), value);
      }
      return attributes;
    };
    if (body.includes('xmlns')) {
      const declared = [...body.matchAll(ATTRIBUTE)].filter((m) => /^xmlns(:|$)/.test(m[1]!));
      if (declared.length > 0) {
        scopes.push({ depth, scope });
        scope = new Map(scope);
        for (const m of declared) scope.set(m[1]!.slice(6), decode(m[2] ?? m[3]!, offset));
        names = new Map();
      }
    }
    const name = elementName(raw);
    if (!selfClosing) open.push(raw);

    if (skipDepth >= 0 || nestedDepth >= 0) return;
    if (cell) {
      if (SKIPPED.has(name) || name.startsWith('draw:')) {
        if (!selfClosing) skipDepth = depth;
        return;
      }
      if (cell.paragraph === undefined) {
        if (name === 'text:p' || name === 'text:h') {
          cell.paragraph = '';
          cell.space = true;
          cell.paragraphDepth = depth;
          if (selfClosing) {
            cell.paragraphs.push('');
            cell.paragraph = undefined;
          }
        }
        return;
      }
      if (name === 'text:s') {
        const n = count(readAttributes().get('text:c')) ?? 1;
        append(' '.repeat(Math.min(n, MAX_CELL_CHARS + 1)), offset);
        cell.space = false;
      } else if (name === 'text:tab') {
        append('\t', offset);
        cell.space = false;
      } else if (name === 'text:line-break') {
        append('\n', offset);
        cell.space = false;
      }
      return;
    }
    if (name === 'office:spreadsheet') {
      if (spreadsheetDepth < 0 && !selfClosing) spreadsheetDepth = depth;
      return;
    }
    if (spreadsheetDepth < 0) return;
    if (name === 'table:table') {
      if (sheetDepth >= 0) {
        if (!selfClosing) nestedDepth = depth;
        return;
      }
      sheetName = readAttributes().get('table:name') ?? '';
      sheets.push(sheetName);
      const position = sheets.length - 1;
      // No --sheet (choice '') chooses the first sheet, not one that happens to have no name.
      const named = choice !== '' && nameIndex < 0 && sheetName === choice;
      const wanted = named || (choice === '' ? position === 0 : position === numbered);
      sheet = wanted ? { rows: [], seen: 0, cells: 0 } : undefined;
      if (named) {
        byName = sheet;
        nameIndex = position;
      } else if (wanted) byPosition = sheet;
      if (!selfClosing) sheetDepth = depth;
      else sheet = undefined;
      return;
    }
    if (!sheet) return;
    if (name === 'table:table-row') {
      if (row) throw fail(offset, 'a row inside a row');
      const repeat = count(readAttributes().get('table:number-rows-repeated'));
      if (repeat === undefined) throw fail(offset, 'a table:number-rows-repeated that is not a whole number');
      row = { repeat, cells: [], pending: 0 };
      if (selfClosing) endRow();
      return;
    }
    if (row && (name === 'table:table-cell' || name === 'table:covered-table-cell')) {
      const a = readAttributes();
      const repeat = count(a.get('table:number-columns-repeated'));
      if (repeat === undefined) throw fail(offset, 'a table:number-columns-repeated that is not a whole number');
      cell = {
        repeat,
        attributes: a,
        paragraphs: [],
        paragraph: undefined,
        // Stryker disable next-line UnaryOperator: set before it is read
        paragraphDepth: -1,
        // Stryker disable next-line BooleanLiteral: set before it is read
        space: true,
        length: 0,
      };
      cellDepth = depth;
      if (selfClosing) endCell();
    }
  };

  /** Undo the namespace declarations of the element at `depth`: at its end tag, or just after it if self-closing. */
  const leaveScope = (depth: number) => {
    if (scopes.length > 0 && scopes[scopes.length - 1]!.depth === depth) {
      scope = scopes.pop()!.scope;
      names = new Map();
    }
  };

  const end = (raw: string, offset: number) => {
    const top = open.pop();
    if (top !== raw) {
      throw fail(offset, top === undefined ? `an end tag </${raw}> with no start` : `</${raw}> closing <${top}>`);
    }
    const depth = open.length;
    const name = elementName(raw);
    leaveScope(depth);
    if (skipDepth >= 0) {
      if (depth === skipDepth) skipDepth = -1;
      return;
    }
    if (nestedDepth >= 0) {
      if (depth === nestedDepth) nestedDepth = -1;
      return;
    }
    if (cell) {
      if (depth === cell.paragraphDepth && cell.paragraph !== undefined) {
        cell.paragraphs.push(cell.paragraph);
        cell.paragraph = undefined;
      } else if (depth === cellDepth) endCell();
      return;
    }
    if (row && sheet && name === 'table:table-row') {
      endRow();
      return;
    }
    if (depth === sheetDepth) {
      sheetDepth = -1;
      sheet = undefined;
    } else if (depth === spreadsheetDepth) spreadsheetDepth = -1;
  };

  const n = xml.length;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    const stop = lt < 0 ? n : lt;
    if (stop > i && cell?.paragraph !== undefined && skipDepth < 0) text(xml.slice(i, stop), i);
    if (lt < 0) break;
    const next = xml.charCodeAt(lt + 1);
    if (next === 0x21) {
      if (xml.startsWith('<!--', lt)) {
        const e = xml.indexOf('-->', lt + 4);
        if (e < 0) throw fail(lt, 'an unclosed comment');
        i = e + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const e = xml.indexOf(']]>', lt + 9);
        if (e < 0) throw fail(lt, 'an unclosed CDATA section');
        if (cell?.paragraph !== undefined && skipDepth < 0) text(xml.slice(lt + 9, e).replaceAll('&', '&amp;'), lt);
        i = e + 3;
      } else {
        throw fail(lt, 'a DOCTYPE or other declaration, which an OpenDocument file does not have');
      }
      continue;
    }
    if (next === 0x3f) {
      const e = xml.indexOf('?>', lt + 2);
      if (e < 0) throw fail(lt, 'an unclosed processing instruction');
      i = e + 2;
      continue;
    }
    if (next === 0x2f) {
      const e = xml.indexOf('>', lt + 2);
      if (e < 0) throw fail(lt, 'an unclosed end tag');
      end(xml.slice(lt + 2, e).trim(), lt);
      i = e + 1;
      continue;
    }
    let j = lt + 1;
    let quote = 0;
    for (; j < n; j++) {
      const ch = xml.charCodeAt(j);
      if (quote !== 0) {
        if (ch === quote) quote = 0;
      } else if (ch === 0x22 || ch === 0x27) quote = ch;
      else if (ch === 0x3e) break;
      else if (ch === 0x3c) throw fail(lt, 'a "<" inside a tag');
    }
    if (j >= n) throw fail(lt, 'an unclosed tag');
    const selfClosing = xml.charCodeAt(j - 1) === 0x2f;
    const inner = xml.slice(lt + 1, selfClosing ? j - 1 : j);
    const space = inner.search(/[\s]/);
    const raw = space < 0 ? inner : inner.slice(0, space);
    if (raw === '') throw fail(lt, 'a tag without a name');
    start(raw, space < 0 ? '' : inner.slice(space), selfClosing, lt);
    if (selfClosing) leaveScope(open.length); // it has no end tag, and its declarations end with it
    i = j + 1;
  }
  if (open.length > 0) throw fail(n, `<${open[open.length - 1]}> not closed at the end`);
  if (sheets.length === 0) throw damaged(file, 'its content.xml holds no sheet');
  if (byName) return { sheets, index: nameIndex, rows: byName.rows };
  const index = choice === '' ? 0 : numbered;
  if (byPosition && index >= 0 && index < sheets.length) return { sheets, index, rows: byPosition.rows };
  return { sheets, index: -1, rows: [] };
}

/** A value for a message. */
function quoted(value: Cell): string {
  if (value === null) return '""';
  if (typeof value === 'object') return new Date(value.date).toISOString().slice(0, 10);
  return `"${displayText(String(value), 40)}"`;
}
