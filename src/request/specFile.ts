/**
 * The analysis spec: one JSON file holding everything `decompose` flags can say. Its JSON Schema is generated
 * from the parameter table (published as docs/analysis-spec.schema.json and checked in a test), validated with
 * Ajv, and each value is then read by the same value type as its flag, so a spec value and a flag value are
 * refused with the same message.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { Ajv2020 as Ajv, type ErrorObject } from 'ajv/dist/2020.js';
import { DataError, UsageError } from '../errors.js';
import type { GroupSpec } from '../models/spec/spec.js';
import { DATA_KEY, PARAMETERS, parameterLabel, type CommandName, type Parameter } from './parameters.js';
import { ValueProblem, text, type SchemaFragment } from './values.js';

/** A spec file larger than this is refused unread (a spec is a few hundred bytes). */
const MAX_SPEC_BYTES = 1024 * 1024;

/** The parameters of `command` that a spec can set (those with a key). */
function keyed(command: CommandName): Parameter[] {
  return PARAMETERS[command].filter((parameter) => parameter.key !== undefined);
}

const GROUP_SCHEMA: SchemaFragment = {
  type: 'object',
  description: 'a named group: "columns" (numeric predictors) or "fe" (one fixed effect)',
  properties: {
    name: text('group name').schema,
    columns: { type: 'array', items: text('column name').schema, minItems: 1 },
    fe: text('column name').schema,
  },
  required: ['name'],
  oneOf: [{ required: ['columns'] }, { required: ['fe'] }],
  additionalProperties: false,
};

/** The JSON Schema (draft 2020-12) of the analysis spec of `command`. */
export function specSchema(command: CommandName = 'decompose'): SchemaFragment {
  const properties: Record<string, Record<string, unknown>> = {
    [DATA_KEY]: {
      ...text('path').schema,
      description:
        'input CSV or Excel workbook (.xlsx), relative to the spec file\'s folder (or absolute; "-" is standard input)',
    },
    groups: {
      type: 'array',
      items: GROUP_SCHEMA,
      minItems: 1,
      description: 'the groups, in order (as --group and --fe)',
    },
  };
  for (const parameter of keyed(command)) {
    const [head, tail] = parameter.key!.split('.') as [string, string | undefined];
    const entry = {
      ...parameter.type.schema,
      description: `${parameter.description} (${parameter.flag.split(' ')[0]})`,
    };
    if (tail === undefined) {
      properties[head] = entry;
      continue;
    }
    const parent = (properties[head] ??= { type: 'object', properties: {}, additionalProperties: false });
    (parent.properties as Record<string, unknown>)[tail] = entry;
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `cpp-variance ${command} analysis spec`,
    description: 'Everything the command line can say, in one file; flags given on the command line override it.',
    type: 'object',
    properties,
    additionalProperties: false,
  };
}

/** What a spec sets: parameter values by request name, the groups, and the data file (resolved). */
export interface SpecValues {
  readonly path: string;
  readonly values: ReadonlyMap<string, unknown>;
  readonly groups?: readonly GroupSpec[];
  readonly data?: string;
}

/** Read at most MAX_SPEC_BYTES + 1 bytes, so that a device or a huge file is refused without reading it all. */
function readBounded(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new DataError(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { file: path });
  }
  try {
    if (fstatSync(fd).isDirectory()) throw new DataError('is a folder, not a JSON file', { file: path });
    const buffer = Buffer.alloc(MAX_SPEC_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_SPEC_BYTES) {
        throw new DataError(`is larger than ${MAX_SPEC_BYTES / 1024} KiB; an analysis spec is a small JSON file`, {
          file: path,
        });
      }
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const validators = new Map<CommandName, ReturnType<Ajv['compile']>>();

/** Read and check a spec for `command`. */
export function readSpecFile(path: string, command: CommandName = 'decompose'): SpecValues {
  const textOfFile = readBounded(path);
  let json: unknown;
  try {
    json = JSON.parse(textOfFile);
  } catch (error) {
    throw new DataError(`is not valid JSON (${(error as Error).message})`, { file: path });
  }
  let validator = validators.get(command);
  if (validator === undefined) {
    validator = new Ajv({ allErrors: false, strict: true, strictRequired: false, verbose: true }).compile(
      specSchema(command),
    );
    validators.set(command, validator);
  }
  if (!validator(json)) throw new UsageError(`${path}: ${describeSchemaError(validator.errors![0]!, json, command)}`);
  const spec = json as Record<string, unknown>;
  const values = new Map<string, unknown>();
  for (const parameter of keyed(command)) {
    const raw = lookup(spec, parameter.key!);
    if (raw === undefined) continue;
    values.set(parameter.name, readValue(parameter, raw));
  }
  // Paths in a spec are relative to its folder, so that a spec and its data move together.
  const relative = (file: string) => (file === '-' || isAbsolute(file) ? file : join(dirname(path), file));
  const output = values.get('output') as string | undefined;
  if (output !== undefined) values.set('output', relative(output));
  const data = spec[DATA_KEY] as string | undefined;
  const groups = (spec.groups as { name: string; columns?: string[]; fe?: string }[] | undefined)?.map(
    (group): GroupSpec =>
      group.fe !== undefined
        ? { name: group.name, kind: 'fixed-effect', columns: [group.fe] }
        : { name: group.name, kind: 'numeric', columns: group.columns! },
  );
  return {
    path,
    values,
    ...(groups ? { groups } : {}),
    ...(data !== undefined ? { data: relative(data) } : {}),
  };
}

/** A parameter's value from its spec key, with the parameter's own message when it is refused. */
function readValue(parameter: Parameter, raw: unknown): unknown {
  try {
    return parameter.type.fromJson(raw);
  } catch (error) {
    if (error instanceof ValueProblem) throw new UsageError(`${parameterLabel(parameter)}: ${error.message}`);
    throw error;
  }
}

function lookup(spec: Record<string, unknown>, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>(
      (node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined),
      spec,
    );
}

/** One line for the first schema violation: the parameter's own message where the path is a parameter's key. */
function describeSchemaError(error: ErrorObject, json: unknown, command: CommandName): string {
  const path = error.instancePath.split('/').slice(1);
  const where = path.length === 0 ? 'the spec' : `"${path.join('.')}"`;
  if (error.keyword === 'additionalProperties') {
    const allowed = Object.keys(((error.parentSchema as SchemaFragment).properties as object) ?? {});
    return (
      `unknown key "${(error.params as { additionalProperty: string }).additionalProperty}" in ${where} ` +
      `(allowed: ${allowed.join(', ')})`
    );
  }
  const key = path.join('.');
  // The parameter whose key is the path or contains it (`expect.practice` is part of `expect`).
  const parameter = keyed(command).find((candidate) => key === candidate.key || key.startsWith(`${candidate.key}.`));
  if (parameter !== undefined) readValue(parameter, lookup(json as Record<string, unknown>, parameter.key!));
  if (path[0] === 'groups' && path.length >= 2) {
    const group = `groups[${path[1]}]${path.length > 2 ? `.${path.slice(2).join('.')}` : ''}`;
    if (
      error.keyword === 'oneOf' ||
      (error.keyword === 'required' &&
        path.length === 2 &&
        (error.params as { missingProperty: string }).missingProperty !== 'name')
    ) {
      return `${group} needs exactly one of "columns" (numeric) or "fe" (fixed effect)`;
    }
    return `${group} ${error.message ?? 'is not valid'}`;
  }
  if (key === DATA_KEY) return `"${DATA_KEY}" must be a non-empty path`;
  return `${where} ${error.message ?? 'is not valid'}`;
}
