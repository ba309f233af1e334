/**
 * Typed errors and the one map from error to exit code.
 *
 * Exit codes (documented in the README):
 *   0  success
 *   1  internal failure (a bug: please report it)
 *   2  bad usage or bad data
 *   3  a result did not meet an expectation (used by `--expect`)
 */

import { printable, printableLines } from './report/printable.js';

export const EXIT_OK = 0;
const EXIT_INTERNAL = 1;
export const EXIT_BAD_INPUT = 2;
const EXIT_EXPECTATION = 3;

/** Base class of every error the tool raises on purpose. */
export abstract class CpvError extends Error {
  abstract readonly exitCode: number;
}

/** The command line itself is wrong: unknown flag, malformed value, conflicting options. */
export class UsageError extends CpvError {
  readonly exitCode = EXIT_BAD_INPUT;
  override readonly name = 'UsageError';
}

/** Where in the input a data problem lies; rows are numbered as a spreadsheet shows them (header = row 1). */
export interface DataLocation {
  readonly file: string;
  readonly row?: number;
  readonly column?: string;
}

/**
 * A parameter's value cannot be used, found below the command line (where the flags are unknown): it names the
 * parameter by its request name (`order`, `minPeriods`), and the command line reports it with the flag and the
 * spec key (`--order / "order": ...`).
 */
export class ParameterError extends UsageError {
  readonly parameter: string;
  readonly detail: string;

  constructor(parameter: string, detail: string) {
    super(`${parameter}: ${detail}`);
    this.parameter = parameter;
    this.detail = detail;
  }
}

/** The data cannot be used as given: unreadable, malformed, or unfit for the requested model. */
export class DataError extends CpvError {
  readonly exitCode = EXIT_BAD_INPUT;
  override readonly name = 'DataError';
  readonly location: DataLocation | undefined;
  readonly detail: string;

  constructor(detail: string, location?: DataLocation) {
    super(formatLocated(detail, location));
    this.detail = detail;
    this.location = location;
  }
}

/** The model is well formed but cannot be estimated on these data (no variance, too few rows, ...). */
export class ModelError extends CpvError {
  readonly exitCode = EXIT_BAD_INPUT;
  override readonly name = 'ModelError';
}

/** A computed result missed a stated expectation. */
export class ExpectationError extends CpvError {
  readonly exitCode = EXIT_EXPECTATION;
  override readonly name = 'ExpectationError';
}

/** A broken invariant inside the tool. */
export class InternalError extends CpvError {
  readonly exitCode = EXIT_INTERNAL;
  override readonly name = 'InternalError';
}

function formatLocated(detail: string, location?: DataLocation): string {
  if (!location) return detail;
  const parts = [location.file];
  if (location.row !== undefined) parts.push(`row ${location.row}`);
  const where = parts.join(' ');
  return location.column !== undefined ? `${where}, column "${location.column}": ${detail}` : `${where}: ${detail}`;
}

/** The exit code for anything thrown: our typed errors carry theirs, anything else is a bug. */
export function exitCodeFor(error: unknown): number {
  return error instanceof CpvError ? error.exitCode : EXIT_INTERNAL;
}

/**
 * The one-line message for stderr. Unexpected errors ask for a bug report and keep their stack. Text quoted from
 * the data or the command line (names, labels, paths) cannot act on the terminal: control and invisible format
 * characters are shown as escapes (`printable`), and a message stays on one line.
 */
export function messageFor(error: unknown): string {
  if (error instanceof InternalError) {
    return (
      `internal error: ${printable(error.message)}\nThis is a bug in cpp-variance; ` +
      'please report it with the command you ran.'
    );
  }
  if (error instanceof CpvError) return `error: ${printable(error.message)}`;
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return (
    `internal error: ${printableLines(stack)}\nThis is a bug in cpp-variance; ` +
    'please report it with the command you ran.'
  );
}
