import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { parseCsv, type RawTable } from '../io/csv.js';
import { detectDfeFormat, formatDfeReport, normaliseDfeTable, type DfeReport } from '../io/dfe.js';
import { packageRoot } from '../io/packageRoot.js';
import { columnNotFound, readPanel, type ColumnRequest, type Panel, type PanelColumn } from '../io/panel.js';
import { readSource } from '../io/source.js';
import { columnsOf, evaluate, inFlag, parseDerivation, type Derivation } from '../models/spec/expression.js';
import { groupsFromFormula, interactionColumns, parseFormula, parseGroupOf } from '../models/spec/formula.js';
import { buildModelData, columnRequests, type ModelData } from '../models/design/modelData.js';
import { DEFAULT_SPEC, formulaText, validateSpec, type GroupSpec, type ModelSpec } from '../models/spec/spec.js';

/** The dataset used when no file is given, relative to the package root: the real England panel. */
export const DEFAULT_DATASET = 'fixtures/england-la-panel.csv';

/** The synthetic NAO panel, kept for the NAO reproduction (with SIMULATED_SPEC, or fixtures/nao-2019-analysis.json). */
export const SYNTHETIC_DATASET = 'fixtures/nao-2019-synthetic.csv';

/** What the default dataset covers: the authorities and years its default model uses (checked in the tests). */
export const ENGLAND_PANEL_EXTENT = '149 English local authorities (not all in every year), 2016–2022';

export const ENGLAND_NOTE =
  `real public data: ${ENGLAND_PANEL_EXTENT} (DfE, ONS and IPSE; sources in fixtures/real/SOURCES.md), ` +
  'rebuilt by scripts/build-england-panel.sh';

export const SYNTHETIC_NOTE =
  'these data are SYNTHETIC (made by `cpp-variance simulate --seed 2019`), calibrated to the NAO 2019 published split ' +
  "(44/15/10/6/25); they are not the NAO's data";

/**
 * The note carried into every output made from a fixture that ships with the package, by its path relative to
 * the package root. A file is recognised by where it is, not by its content: a copy elsewhere is the user's file.
 */
export const BUNDLED_DATASET_NOTES: Readonly<Record<string, string>> = {
  [DEFAULT_DATASET]: ENGLAND_NOTE,
  [SYNTHETIC_DATASET]: SYNTHETIC_NOTE,
};

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
  /** A further column to read as categorical (e.g. for --by). */
  readonly alsoRead?: string;
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
}

/** Path of the default dataset inside the installed package. */
export function defaultDatasetPath(): string {
  return join(packageRoot(), DEFAULT_DATASET);
}

/** The note of a bundled fixture when `path` (as given, relative to the working folder) is one; "-" is standard input. */
export function bundledDatasetNote(path: string): string | undefined {
  if (path === '-') return undefined;
  const absolute = resolve(path);
  const fixture = Object.keys(BUNDLED_DATASET_NOTES).find((name) => join(packageRoot(), name) === absolute);
  return fixture === undefined ? undefined : BUNDLED_DATASET_NOTES[fixture];
}

/** True when the flags give no model (no --formula, --group or --fe), so DEFAULT_SPEC's groups are used. */
export function usesDefaultModel(options: Pick<DataOptions, 'formula' | 'groups'>): boolean {
  return options.formula === undefined && options.groups.length === 0;
}

/**
 * The model the flags describe: a formula (with --group-of), or --group/--fe, or DEFAULT_SPEC (the NAO layout on the
 * England panel's columns) when neither is given; with the outcome transformation, weights, cluster and
 * --min-periods attached.
 */
export function specFromOptions(options: Omit<DataOptions, 'missingTokens'>): ModelSpec {
  let base: { outcome: string; groups: readonly GroupSpec[] };
  if (options.formula !== undefined) {
    if (options.groups.length > 0)
      throw new UsageError('give the model either as --formula or as --group/--fe, not both');
    if (options.outcome !== undefined) throw new UsageError('the formula names the outcome; drop --outcome');
    const formula = parseFormulaFlag(options.formula);
    if (!formula.intercept)
      throw new UsageError(
        `--formula "${options.formula}": models without an intercept are not decomposed; drop the 0 / -1`,
      );
    base = { outcome: formula.outcome, groups: groupsFromFormula(formula, (options.groupOf ?? []).map(parseGroupOf)) };
  } else {
    if (options.groupOf && options.groupOf.length > 0) throw new UsageError('--group-of goes with --formula');
    base = options.groups.length > 0 ? { outcome: DEFAULT_SPEC.outcome, groups: options.groups } : DEFAULT_SPEC;
  }
  return validateSpec({
    outcome: options.outcome ?? base.outcome,
    groups: base.groups,
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    ...(options.weights !== undefined ? { weights: options.weights } : {}),
    ...(options.logOutcome ? { logOutcome: true } : {}),
    ...(options.minPeriods !== undefined ? { minPeriods: options.minPeriods } : {}),
  });
}

/** `parseFormula`, its errors naming the flag (the parser's own messages name none). */
function parseFormulaFlag(text: string): ReturnType<typeof parseFormula> {
  try {
    return parseFormula(text);
  } catch (error) {
    throw inFlag('--formula', text, error);
  }
}

/** Derivations from --derive, then one product column per formula interaction not already derived. */
export function derivationsOf(options: Omit<DataOptions, 'missingTokens'>): Derivation[] {
  const derived = (options.derive ?? []).map((text) => {
    try {
      return parseDerivation(text);
    } catch (error) {
      throw inFlag('--derive', text, error);
    }
  });
  if (options.formula !== undefined) {
    for (const interaction of interactionColumns(parseFormulaFlag(options.formula))) {
      if (!derived.some((d) => d.name === interaction.name)) {
        derived.push(
          parseDerivation(`\`${interaction.name}\` = ${interaction.factors.map((f) => `\`${f}\``).join(' * ')}`),
        );
      }
    }
  }
  return derived;
}

/** The input as named in messages: the given path, `-` for standard input, or the bundled dataset's name. */
export function inputOf(options: Pick<DataOptions, 'file'>): { path: string; name?: string } {
  return options.file === undefined ? { path: defaultDatasetPath(), name: DEFAULT_DATASET } : { path: options.file };
}

/** The whole input parsed as one table. */
export function readInputTable(options: Pick<DataOptions, 'file'>): RawTable {
  const { path, name } = inputOf(options);
  const source = readSource(path);
  return parseCsv(name === undefined ? source : { ...source, name });
}

/**
 * Read and validate the input (or take it already parsed, as `table`), then assemble the estimation sample for
 * the model.
 */
export function loadModelData(options: DataOptions, input?: RawTable): LoadedData {
  const spec = specFromOptions(options);
  const path = inputOf(options).path;
  let table: RawTable = input ?? readInputTable(options);
  const messages: string[] = [];
  let dfe: DfeReport | undefined;
  if (detectDfeFormat(table.header)) {
    const normalised = normaliseDfeTable(table, options.level !== undefined ? { level: options.level } : {});
    table = normalised.table;
    dfe = normalised.report;
    messages.push(...formatDfeReport(dfe));
  } else if (options.level !== undefined) {
    throw new UsageError(
      `--level applies to DfE statistics files (with time_period and geographic_level columns); ${table.file} is not one`,
    );
  }
  const derivations = derivationsOf(options);
  if (usesDefaultModel(options)) requireDefaultModelColumns(table, spec, derivations);
  const requests = [
    ...columnRequests(spec),
    ...(options.alsoRead !== undefined ? [{ name: options.alsoRead, kind: 'categorical' as const }] : []),
  ];
  const { panel, invalid } = readWithDerivations(table, requests, derivations, options.missingTokens);
  const notes = derivationNotes(invalid);
  const data = buildModelData(panel, spec);
  if (data.droppedForMinPeriods) {
    notes.push(
      `--min-periods ${spec.minPeriods}: ${data.droppedForMinPeriods} rows of units observed fewer times were dropped`,
    );
  }
  const datasetNote = bundledDatasetNote(path);
  return {
    data,
    spec,
    panel,
    file: table.file,
    notes,
    messages,
    ...(dfe ? { dfe } : {}),
    ...(datasetNote !== undefined ? { datasetNote } : {}),
  };
}

/**
 * With the default model, the first model column the file lacks (in the order readPanel reads them) is reported,
 * when it is one of DEFAULT_SPEC's, with what the default model is and how to give another: a user's own file
 * meets the default model only by accident.
 */
function requireDefaultModelColumns(table: RawTable, spec: ModelSpec, derivations: readonly Derivation[]): void {
  const derived = new Set(derivations.map((d) => d.name));
  const absent = columnRequests(spec).find(
    (request) => !derived.has(request.name) && !table.header.includes(request.name),
  );
  const defaultColumns = [DEFAULT_SPEC.outcome, ...DEFAULT_SPEC.groups.flatMap((g) => g.columns)];
  if (absent === undefined || !defaultColumns.includes(absent.name)) return;
  throw columnNotFound(
    table,
    absent.name,
    `the default model is ${formulaText(DEFAULT_SPEC)} (give yours with --formula, or --group and --fe)`,
  );
}

/**
 * Read the requested columns; those that are derived are computed, in order, from the columns they name (read as
 * numbers). Rows where a derivation's arithmetic fails (division by zero, log of a non-positive number) become
 * missing; `invalid` counts them per derived column.
 */
export function readWithDerivations(
  table: RawTable,
  requests: readonly ColumnRequest[],
  derivations: readonly Derivation[],
  missingTokens: readonly string[],
): { panel: Panel; invalid: Map<string, number> } {
  const derivedNames = new Set(derivations.map((d) => d.name));
  for (const d of derivations) {
    if (table.header.includes(d.name))
      throw new UsageError(`--derive "${d.text}": column "${d.name}" already exists in ${table.file}`);
  }
  const inputs = derivations.flatMap((d) => columnsOf(d.expression)).filter((name) => !derivedNames.has(name));
  const panel = readPanel(
    table,
    [
      ...requests.filter((r) => !derivedNames.has(r.name)),
      ...inputs.map((name): ColumnRequest => ({ name, kind: 'numeric' })),
    ],
    { missingTokens },
  );
  const invalidRows = new Map<string, number>();
  if (derivations.length === 0) return { panel, invalid: invalidRows };
  const columns = new Map<string, PanelColumn>(panel.columns);
  for (const d of derivations) {
    const { values, invalid } = evaluate(
      d.expression,
      (name) => {
        const column = columns.get(name);
        return column?.kind === 'numeric' ? column.values : undefined;
      },
      panel.rowCount,
    );
    columns.set(d.name, { kind: 'numeric', name: d.name, values });
    invalidRows.set(d.name, invalid);
  }
  return { panel: { ...panel, columns }, invalid: invalidRows };
}

/** One note per derived column with rows where its arithmetic failed. */
export function derivationNotes(invalid: ReadonlyMap<string, number>): string[] {
  return [...invalid].flatMap(([name, count]) =>
    count > 0
      ? [`derive ${name}: ${count} rows became missing (division by zero or an invalid log, square root or power)`]
      : [],
  );
}
