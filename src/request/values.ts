/**
 * Value types of the command line and the analysis spec. Each turns what a flag's text or a spec key's JSON value
 * says into a typed value, with the same check and the same words for both, so that `--seed -1` and
 * `"seed": -1` are refused alike. Messages say what is wrong with the value; the caller names the flag and key.
 */

import { groupThousands } from '../groupThousands.js';

/** A value that breaks its parameter's rule; `message` completes "<flag> / <key>: ". */
export class ValueProblem extends Error {
  override readonly name = 'ValueProblem';
}

/** A JSON Schema fragment (draft 2020-12) describing the spec form of a value. */
export type SchemaFragment = Readonly<Record<string, unknown>>;

export interface ValueType<T> {
  /** From the text of a flag (repeatable flags get one text per use). */
  readonly fromText: (text: string) => T;
  /** From the JSON value of a spec key. */
  readonly fromJson: (value: unknown) => T;
  /** The spec form, for the published JSON Schema. */
  readonly schema: SchemaFragment;
}

const show = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Flag text that reads as a number is shown as the number it is (as the spec's JSON would show it); else quoted. */
const numberShown = (text: string): string => {
  const trimmed = text.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? JSON.stringify(Number(trimmed)) : show(text);
};

/** A whole number in [minimum, maximum]. */
export function wholeNumber(minimum: number, maximum: number): ValueType<number> {
  const check = (value: number, shown: string): number => {
    if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
      throw new ValueProblem(
        `must be a whole number from ${groupThousands(minimum)} to ${groupThousands(maximum)}, got ${shown}`,
      );
    }
    return value;
  };
  return {
    fromText: (text) => check(/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN, numberShown(text)),
    fromJson: (value) => check(typeof value === 'number' ? value : Number.NaN, show(value)),
    schema: { type: 'integer', minimum, maximum },
  };
}

/** A finite number in [minimum, maximum] (or the open interval when `open`). */
export function realNumber(minimum: number, maximum: number, open = false): ValueType<number> {
  const range = open
    ? `between ${minimum} and ${maximum}`
    : maximum === Infinity
      ? `≥ ${minimum}`
      : `from ${minimum} to ${maximum}`;
  const check = (value: number, shown: string): number => {
    const inside = open ? value > minimum && value < maximum : value >= minimum && value <= maximum;
    if (!Number.isFinite(value) || !inside) throw new ValueProblem(`must be a number ${range}, got ${shown}`);
    return value;
  };
  return {
    fromText: (text) => check(text.trim() === '' ? Number.NaN : Number(text), numberShown(text)),
    fromJson: (value) => check(typeof value === 'number' ? value : Number.NaN, show(value)),
    schema: {
      type: 'number',
      ...(open ? { exclusiveMinimum: minimum, exclusiveMaximum: maximum } : { minimum }),
      ...(!open && Number.isFinite(maximum) ? { maximum } : {}),
    },
  };
}

/** One of a fixed list of words, spelt exactly; a word that differs only in case is named in the message. */
export function oneOf<const W extends string>(words: readonly W[]): ValueType<W> {
  const check = (value: unknown): W => {
    const found = words.find((w) => w === value);
    if (found !== undefined) return found;
    const near =
      typeof value === 'string' ? words.find((w) => w.toLowerCase() === value.trim().toLowerCase()) : undefined;
    throw new ValueProblem(`${show(value)} is not one of ${words.join(', ')}${near ? ` (did you mean ${near}?)` : ''}`);
  };
  return { fromText: check, fromJson: check, schema: { type: 'string', enum: [...words] } };
}

/** Characters a name or expression may have before it is refused unread. */
const MAX_TEXT_LENGTH = 100_000;

/** Non-empty text (a column name, a path, an expression). */
export function text(what = 'text'): ValueType<string> {
  const check = (value: unknown): string => {
    if (typeof value !== 'string' || value.trim() === '')
      throw new ValueProblem(`must be a non-empty ${what}, got ${show(value)}`);
    if (value.length > MAX_TEXT_LENGTH) {
      throw new ValueProblem(
        `is ${groupThousands(value.length)} characters long; the limit is ${groupThousands(MAX_TEXT_LENGTH)}`,
      );
    }
    return value;
  };
  return { fromText: check, fromJson: check, schema: { type: 'string', minLength: 1, maxLength: MAX_TEXT_LENGTH } };
}

/** A list of non-empty names: comma-separated on the command line, a JSON list in the spec. */
export function nameList(): ValueType<readonly string[]> {
  const item = text('name');
  const check = (names: readonly unknown[], given: unknown): readonly string[] => {
    if (names.length === 0) throw new ValueProblem(`must name at least one, got ${show(given)}`);
    return names.map((name) => item.fromJson(typeof name === 'string' ? name.trim() : name));
  };
  return {
    fromText: (value) => check(value.split(','), value),
    fromJson: (value) => {
      if (!Array.isArray(value)) throw new ValueProblem(`must be a list of names, got ${show(value)}`);
      return check(value, value);
    },
    schema: { type: 'array', items: item.schema, minItems: 1 },
  };
}

/** A switch: present or absent on the command line, true or false in the spec. */
export function flag(): ValueType<boolean> {
  return {
    fromText: () => true,
    fromJson: (value) => {
      if (typeof value !== 'boolean') throw new ValueProblem(`must be true or false, got ${show(value)}`);
      return value;
    },
    schema: { type: 'boolean' },
  };
}

/** `NAME=NUMBER` pairs: `a=44,b=15` on the command line, `{ "a": 44, "b": 15 }` in the spec. */
export function namedNumbers(minimum: number, maximum: number): ValueType<Readonly<Record<string, number>>> {
  const number = realNumber(minimum, maximum);
  const name = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
  const check = (entries: [string, unknown][]): Readonly<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const [key, value] of entries) {
      if (!name.test(key)) throw new ValueProblem(`${show(key)} is not a group name`);
      if (Object.hasOwn(out, key)) throw new ValueProblem(`names "${key}" twice`);
      try {
        out[key] = typeof value === 'string' ? number.fromText(value) : number.fromJson(value);
      } catch (error) {
        throw error instanceof ValueProblem ? new ValueProblem(`${key}: ${error.message}`) : error;
      }
    }
    if (Object.keys(out).length === 0) throw new ValueProblem('must give at least one NAME=NUMBER');
    return out;
  };
  return {
    fromText: (value) =>
      check(
        value.split(',').map((part): [string, unknown] => {
          const eq = part.indexOf('=');
          if (eq < 0) throw new ValueProblem(`expects NAME=NUMBER pairs separated by commas, got ${show(part)}`);
          return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
        }),
      ),
    fromJson: (value) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ValueProblem(`must be an object of NAME: NUMBER, got ${show(value)}`);
      }
      return check(Object.entries(value));
    },
    schema: {
      type: 'object',
      propertyNames: { pattern: name.source },
      additionalProperties: { type: 'number', minimum, maximum },
      minProperties: 1,
    },
  };
}

/** A list of texts, one per use of a repeatable flag, or a JSON list of strings. */
export function textList(what = 'text'): ValueType<readonly string[]> {
  const item = text(what);
  return {
    fromText: (value) => [item.fromText(value)],
    fromJson: (value) => {
      if (!Array.isArray(value)) throw new ValueProblem(`must be a list of strings, got ${show(value)}`);
      return value.map((entry) => item.fromJson(entry));
    },
    schema: { type: 'array', items: item.schema },
  };
}

/**
 * A sheet of a workbook: its name, or its number counting from 1. On the command line it is text (a sheet named
 * "2021" is found by its name before a number is tried); in the spec, a string or a whole number from 1.
 */
export function sheetChoice(): ValueType<string> {
  const name = text('sheet name or number');
  return {
    fromText: name.fromText,
    fromJson: (value) => {
      if (typeof value !== 'number') return name.fromJson(value);
      if (!Number.isSafeInteger(value) || value < 1)
        throw new ValueProblem(`must be a sheet name or a whole number from 1, got ${show(value)}`);
      return String(value);
    },
    schema: { oneOf: [name.schema, { type: 'integer', minimum: 1 }] },
  };
}
