import { ParameterError, UsageError } from '../errors.js';
import { displayText, headerNotes, type RawTable } from '../io/csv.js';
import type { DfeReport } from '../io/dfe.js';
import { columnNotFound, readPanel, type Panel } from '../io/panel.js';
import { derivationNotes } from '../input/derive.js';
import { whereNote } from '../input/where.js';
import { readInput, type InputRequest, type PreparedInput, type Verbosity } from '../input/pipeline.js';
import { buildModelData, columnRequests, type ModelData, type RepeatedKeys } from '../models/design/modelData.js';
import { droppedRowsWarning } from '../models/design/missingAlone.js';
import { inFlag, parseDerivation, type Derivation } from '../models/spec/expression.js';
import {
  groupsFromFormula,
  interactionColumns,
  parseFormula,
  parseGroupOf,
  type ParsedFormula,
} from '../models/spec/formula.js';
import { DEFAULT_SPEC, formulaText, validateSpec, type GroupSpec, type ModelSpec } from '../models/spec/spec.js';

export {
  BUNDLED_DATASET_NOTES,
  DEFAULT_DATASET,
  defaultDatasetPath,
  ENGLAND_NOTE,
  ENGLAND_PANEL_EXTENT,
  SYNTHETIC_DATASET,
  SYNTHETIC_NOTE,
} from '../input/datasets.js';

/** What every model command needs to know to read its data and build its model. */
export interface DataOptions {
  readonly file?: string;
  readonly outcome?: string;
  readonly groups: readonly GroupSpec[];
  readonly cluster?: string;
  readonly missingTokens: readonly string[];
  /** `y ~ a + b | fe1 + fe2`, instead of --group/--fe. */
  readonly formula?: string;
  /** `NAME=term,term` groupings of formula terms. */
  readonly groupOf?: readonly string[];
  /** `name = expression` derived columns, evaluated in order. */
  readonly derive?: readonly string[];
  readonly weights?: string;
  readonly logOutcome?: boolean;
  readonly minPeriods?: number;
  /** DfE statistics files: the geographic level to keep (default "Local authority"). */
  readonly level?: string;
  /** Excel workbooks: the sheet to read, by name or number from 1 (default the first). */
  readonly sheet?: string;
  /** Excel workbooks: rows above the header to skip. */
  readonly skip?: number;
  /** A further column to read as categorical (e.g. for --by). */
  readonly alsoRead?: string;
  /** A row filter, e.g. `year >= 2019 & la_name != "Isles of Scilly"`. */
  readonly where?: string;
  /** Name header cells without a name `unnamed_N` instead of refusing the file. */
  readonly allowUnnamed?: boolean;
  /** How much to say on standard error about how the file was read (default one line per DfE file). */
  readonly verbosity?: Verbosity;
}

/** Model data and where they came from. */
export interface LoadedData {
  readonly data: ModelData;
  readonly spec: ModelSpec;
  /** The typed columns the model was built from (all rows of the file), for per-level runs. */
  readonly panel: Panel;
  /** The input as named in messages and reports. */
  readonly file: string;
  /** Set for a bundled fixture (the England panel or the synthetic NAO panel): where the data come from. */
  readonly datasetNote?: string;
  /** Plain-language remarks to carry into the output (derived rows that became missing, dropped units). */
  readonly notes: readonly string[];
  /** Lines for standard error about how the file was read (DfE conventions). */
  readonly messages: readonly string[];
  /** DfE files: suppressed cells per column and symbol. */
  readonly dfe?: DfeReport;
  /** SHA-256 (hex) of the input's bytes. */
  readonly sha256: string;
}

/** True when the flags give no model (no --formula, --group or --fe), so DEFAULT_SPEC's groups are used. */
export function usesDefaultModel(options: Pick<DataOptions, 'formula' | 'groups'>): boolean {
  return options.formula === undefined && options.groups.length === 0;
}

/** The model of a run, worked out once: the spec, and the derivations (given, then formula interactions). */
export interface ModelPlan {
  readonly spec: ModelSpec;
  readonly derivations: readonly Derivation[];
  /** Remarks on how the model was read (a column listed twice in a group, kept once). */
  readonly notes: readonly string[];
}

/** A column listed twice in one group is kept once, as R's model.matrix does, with a note. */
function withoutRepeatedColumns(groups: readonly GroupSpec[], notes: string[]): GroupSpec[] {
  return groups.map((group) => {
    const columns = [...new Set(group.columns)];
    if (columns.length === group.columns.length) return group;
    const repeated = [...new Set(group.columns.filter((column, i) => group.columns.indexOf(column) !== i))];
    notes.push(
      `group "${group.name}" lists ${repeated.map((c) => `"${c}"`).join(', ')} more than once; ` +
        'each column is used once',
    );
    return { ...group, columns };
  });
}

/**
 * The model the options describe — a formula (with --group-of), or --group/--fe, or DEFAULT_SPEC (the NAO layout
 * on the England panel's columns) when neither is given; with the outcome transformation, weights, cluster and
 * --min-periods attached — and the derived columns it needs. The formula is parsed once, here.
 */
export function planModel(options: Omit<DataOptions, 'missingTokens'>): ModelPlan {
  let base: { outcome: string; groups: readonly GroupSpec[] };
  let formula: ParsedFormula | undefined;
  if (options.formula !== undefined) {
    if (options.groups.length > 0)
      throw new UsageError('give the model either as --formula or as --group/--fe, not both');
    if (options.outcome !== undefined) throw new UsageError('the formula names the outcome; drop --outcome');
    formula = parseFormulaFlag(options.formula);
    if (!formula.intercept) {
      throw new UsageError(
        `--formula "${options.formula}": models without an intercept are not decomposed; drop the 0 / -1`,
      );
    }
    base = { outcome: formula.outcome, groups: groupsFromFormula(formula, (options.groupOf ?? []).map(parseGroupOf)) };
  } else {
    if (options.groupOf && options.groupOf.length > 0) throw new UsageError('--group-of goes with --formula');
    base = options.groups.length > 0 ? { outcome: DEFAULT_SPEC.outcome, groups: options.groups } : DEFAULT_SPEC;
  }
  const notes: string[] = [];
  const spec = validateSpec({
    outcome: options.outcome ?? base.outcome,
    groups: withoutRepeatedColumns(base.groups, notes),
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    ...(options.weights !== undefined ? { weights: options.weights } : {}),
    ...(options.logOutcome ? { logOutcome: true } : {}),
    ...(options.minPeriods !== undefined ? { minPeriods: options.minPeriods } : {}),
  });
  const derivations = (options.derive ?? []).map((text) => {
    try {
      return parseDerivation(text);
    } catch (error) {
      throw inFlag('--derive', text, error);
    }
  });
  for (const interaction of formula ? interactionColumns(formula) : []) {
    if (!derivations.some((d) => d.name === interaction.name)) {
      derivations.push(
        parseDerivation(`\`${interaction.name}\` = ${interaction.factors.map((f) => `\`${f}\``).join(' * ')}`),
      );
    }
  }
  return { spec, derivations, notes };
}

/** `parseFormula`, its errors naming the flag (the parser's own messages name none). */
function parseFormulaFlag(text: string): ParsedFormula {
  try {
    return parseFormula(text);
  } catch (error) {
    throw inFlag('--formula', text, error);
  }
}

/**
 * Read the input (`readInput`: DfE conventions, then derived columns), then assemble the estimation sample for
 * the model.
 */
export function loadModelData(
  options: DataOptions,
  plan: ModelPlan = planModel(options),
  read: PreparedInput = readInput(inputRequest(options, plan)),
): LoadedData {
  const { spec } = plan;
  const input = read;
  if (input.where && input.table.records.length === 0) {
    throw new ParameterError('where', `removed every row of ${input.table.file} (${input.where.rowsRead} read)`);
  }
  if (usesDefaultModel(options)) requireDefaultModelColumns(input.table, spec);
  const requests = [
    ...columnRequests(spec),
    ...(options.alsoRead !== undefined ? [{ name: options.alsoRead, kind: 'categorical' as const }] : []),
  ];
  const panel = readPanel(input.table, requests, { missingTokens: options.missingTokens });
  const notes = [
    ...headerNotes(input.table.file, input.header),
    ...plan.notes,
    ...derivationNotes(input.derived),
    ...(input.where ? [whereNote(input.where)] : []),
  ];
  const data = buildModelData(panel, spec);
  if (data.droppedForZeroWeight) notes.push(zeroWeightNote(data.droppedForZeroWeight, spec.weights!));
  const repeated = data.repeatedKeys ? repeatedKeysNote(data.repeatedKeys) : undefined;
  if (repeated !== undefined) notes.push(repeated);
  if (data.droppedForMinPeriods) {
    notes.push(
      `--min-periods ${spec.minPeriods}: ${data.droppedForMinPeriods} rows of units observed fewer times were dropped`,
    );
  }
  const warning = droppedRowsWarning(data);
  if (warning !== undefined) notes.push(warning);
  return {
    data,
    spec,
    panel,
    file: input.table.file,
    notes,
    messages: [
      ...input.messages,
      ...(repeated === undefined ? [] : [`warning: ${input.table.file}: ${repeated}`]),
      ...(warning !== undefined ? [`warning: ${warning}`] : []),
    ],
    sha256: input.sha256,
    ...(input.dfe ? { dfe: input.dfe } : {}),
    ...(input.datasetNote !== undefined ? { datasetNote: input.datasetNote } : {}),
  };
}

/**
 * The warning for unit × period keys on more than one used row: the model treats them as separate observations
 * (valid pooled OLS), which is rarely what a panel of authorities and years means.
 */
export function repeatedKeysNote(repeated: RepeatedKeys): string {
  const [unit, period] = repeated.columns.map((c) => displayText(c));
  const { keys, extraRows } = repeated;
  const listed = repeated.listed
    .map((d) => `${unit}=${displayText(d.key[0])}, ${period}=${displayText(d.key[1])} on rows ${d.rows.join(', ')}`)
    .join('; ');
  const more = keys > repeated.listed.length ? `; and ${keys - repeated.listed.length} more` : '';
  return (
    `${keys} ${unit} × ${period} key${keys === 1 ? ' is' : 's are'} on more than one used row ` +
    `(${extraRows} extra row${extraRows === 1 ? '' : 's'}): ${listed}${more}. ` +
    `Each row is used as a separate observation (pooled OLS); to keep one row per key, use ` +
    `cpp-variance dedupe FILE --on ${repeated.columns.join(',')} --keep first|last|none`
  );
}

/** The note for rows of weight 0, which are left out as R's `lm(weights =)` leaves them out. */
export function zeroWeightNote(rows: number, column: string): string {
  return (
    `rows with weight 0 left out: ${rows} (weights column "${column}"; ` +
    "the fit is the fit without them, as in R's lm)"
  );
}

/**
 * What the model's input is and how it is read: the file, the DfE level, the workbook's sheet and skipped rows,
 * the derivations, the missing markers.
 */
export function inputRequest(options: DataOptions, plan: ModelPlan): InputRequest {
  return {
    ...(options.file !== undefined ? { file: options.file } : {}),
    ...(options.level !== undefined ? { level: options.level } : {}),
    ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
    ...(options.skip !== undefined ? { skip: options.skip } : {}),
    derivations: plan.derivations,
    missingTokens: options.missingTokens,
    ...(options.where !== undefined ? { where: options.where } : {}),
    ...(options.allowUnnamed ? { allowUnnamed: true } : {}),
    ...(options.verbosity !== undefined ? { verbosity: options.verbosity } : {}),
  };
}

/**
 * With the default model, the first model column the file lacks (in the order readPanel reads them) is reported,
 * when it is one of DEFAULT_SPEC's, with what the default model is and how to give another: a user's own file
 * meets the default model only by accident.
 */
export function requireDefaultModelColumns(table: RawTable, spec: ModelSpec): void {
  const absent = columnRequests(spec).find((request) => !table.header.includes(request.name));
  const defaultColumns = [DEFAULT_SPEC.outcome, ...DEFAULT_SPEC.groups.flatMap((g) => g.columns)];
  if (absent === undefined || !defaultColumns.includes(absent.name)) return;
  throw columnNotFound(
    table,
    absent.name,
    `the default model is ${formulaText(DEFAULT_SPEC)} (give yours with --formula, or --group and --fe)`,
  );
}
