import { UsageError, ParameterError } from '../../errors.js';

/** A numeric group enters as its columns; a fixed-effect group as one indicator per level of its column. */
export type GroupKind = 'numeric' | 'fixed-effect';

export interface GroupSpec {
  readonly name: string;
  readonly kind: GroupKind;
  /** Numeric groups: one or more numeric columns. Fixed-effect groups: exactly one categorical column. */
  readonly columns: readonly string[];
}

/** One canonical model: outcome ~ intercept + groups. Every front end (flags, spec file, formula) builds this. */
export interface ModelSpec {
  readonly outcome: string;
  readonly groups: readonly GroupSpec[];
  /** Column whose levels are clusters for cluster-robust inference; it may also be a fixed-effect column. */
  readonly cluster?: string;
  /** Column of positive row weights for weighted least squares. */
  readonly weights?: string;
  /** Model log(outcome) instead of the outcome (every used value must be positive). */
  readonly logOutcome?: boolean;
  /** Drop units (levels of the first fixed effect) observed in fewer than this many rows. */
  readonly minPeriods?: number;
  /** Column whose levels are the blocks within which permutation tests permute (--permute-within). */
  readonly blocks?: string;
}

/** The name reserved for 1 − R² in every output. */
export const UNEXPLAINED = 'unexplained';

/** The name of the row of the groups held in every model (--control): R² of the model on them alone. */
export const CONTROLS = 'controls';

/**
 * The default model: the National Audit Office (2019) layout on the columns of the bundled England panel
 * (fixtures/england-la-panel.csv), `cpp_rate ~ child_poverty + spend + vacancy | la + year`, in four groups:
 * practice = authority effects (the NAO's "local-authority characteristics"), deprivation = child_poverty (the
 * share of children in relative low income, which varies over years; the NAO used IDACI scores), policy = common
 * year effects ("national policy changes") and resources = spend per child and the social-worker vacancy rate.
 */
export const DEFAULT_SPEC: ModelSpec = {
  outcome: 'cpp_rate',
  groups: [
    { name: 'practice', kind: 'fixed-effect', columns: ['la'] },
    { name: 'deprivation', kind: 'numeric', columns: ['child_poverty'] },
    { name: 'policy', kind: 'fixed-effect', columns: ['year'] },
    { name: 'resources', kind: 'numeric', columns: ['spend', 'vacancy'] },
  ],
};

/**
 * The same layout on the columns `simulate` writes, where deprivation is an IDACI score:
 * `cpp_rate ~ idaci + spend + vacancy | la + year`. It is the model `simulate` calibrates its shares on, and so
 * the model of the synthetic NAO panel (fixtures/nao-2019-synthetic.csv, fixtures/nao-2019-analysis.json).
 */
export const SIMULATED_SPEC: ModelSpec = {
  outcome: 'cpp_rate',
  groups: [
    { name: 'practice', kind: 'fixed-effect', columns: ['la'] },
    { name: 'deprivation', kind: 'numeric', columns: ['idaci'] },
    { name: 'policy', kind: 'fixed-effect', columns: ['year'] },
    { name: 'resources', kind: 'numeric', columns: ['spend', 'vacancy'] },
  ],
};

/**
 * A model in the notation of --formula, `outcome ~ numeric columns | fixed-effect columns` (group names are not
 * shown), e.g. `cpp_rate ~ child_poverty + spend + vacancy | la + year` for DEFAULT_SPEC.
 */
export function formulaText(spec: Pick<ModelSpec, 'outcome' | 'groups'>): string {
  const numeric = spec.groups.filter((g) => g.kind === 'numeric').flatMap((g) => g.columns.map(formulaName));
  const fixed = spec.groups.filter((g) => g.kind === 'fixed-effect').flatMap((g) => g.columns.map(formulaName));
  return (
    `${formulaName(spec.outcome)} ` +
    `~ ${numeric.length > 0 ? numeric.join(' + ') : '1'}${fixed.length > 0 ? ` | ${fixed.join(' + ')}` : ''}`
  );
}

/** A column as a formula names it: as it is when it is a plain name (`[A-Za-z_][A-Za-z0-9_.]*`), else backquoted. */
function formulaName(column: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(column) ? column : `\`${column}\``;
}

/**
 * The model as `--formula` and `--group-of` arguments that build exactly the same groups — names, columns and
 * order — as the spec (see groupsFromFormula): none are needed when every group is one column named after it, in
 * formula order; otherwise every group is named, in its order.
 * @example formulaArguments(DEFAULT_SPEC).groupOf
 *   // ['practice=la', 'deprivation=child_poverty', 'policy=year', 'resources=spend,vacancy']
 */
export function formulaArguments(spec: Pick<ModelSpec, 'outcome' | 'groups'>): { formula: string; groupOf: string[] } {
  const formula = formulaText(spec);
  const inFormulaOrder = [
    ...spec.groups.filter((g) => g.kind === 'numeric'),
    ...spec.groups.filter((g) => g.kind === 'fixed-effect'),
  ];
  const plain =
    spec.groups.every((g, i) => g === inFormulaOrder[i]) &&
    spec.groups.every((g) => g.columns.length === 1 && g.columns[0] === g.name);
  return { formula, groupOf: plain ? [] : spec.groups.map((g) => `${g.name}=${g.columns.join(',')}`) };
}

/** The formula arguments as they would be typed in a shell. */
export function formulaCommandLine(spec: Pick<ModelSpec, 'outcome' | 'groups'>): string {
  const { formula, groupOf } = formulaArguments(spec);
  return [`--formula '${formula}'`, ...groupOf.map((g) => `--group-of ${g}`)].join(' ');
}

/**
 * Group names: a letter or _, then letters, digits, _ . - and : (so formula interactions such as idaci:spend name
 * groups).
 */
const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/**
 * Check a spec before any data are read: named groups, unique names, every column in at most one group,
 * the outcome not among the predictors, one column per fixed effect. Throws UsageError naming the fault.
 */
export function validateSpec(spec: ModelSpec): ModelSpec {
  if (spec.outcome.trim() === '') throw new UsageError('the outcome column name is empty');
  if (spec.groups.length === 0) throw new UsageError('the model has no groups of predictors');
  if (spec.minPeriods !== undefined && !spec.groups.some((g) => g.kind === 'fixed-effect')) {
    throw new ParameterError(
      'minPeriods',
      'counts the rows of each unit of the first fixed effect; the model has no fixed effect',
    );
  }
  if (
    spec.weights !== undefined &&
    (spec.weights === spec.outcome || spec.groups.some((g) => g.columns.includes(spec.weights!)))
  ) {
    throw new ParameterError(
      'weights',
      `${spec.weights}: the weights column cannot also be the outcome or a predictor`,
    );
  }
  if (spec.blocks !== undefined && (spec.blocks === spec.outcome || spec.blocks === spec.weights)) {
    throw new ParameterError(
      'permuteWithin',
      `${spec.blocks}: the blocks of the permutations cannot be the outcome or the weights`,
    );
  }
  const groupNames = new Set<string>();
  const owner = new Map<string, string>();
  for (const group of spec.groups) {
    if (!GROUP_NAME.test(group.name)) {
      throw new UsageError(
        `group name "${group.name}" must start with a letter or _ and use only letters, digits, _ . - :`,
      );
    }
    if (group.name === UNEXPLAINED)
      throw new UsageError(`"${UNEXPLAINED}" is reserved for 1 − R²; choose another group name`);
    if (groupNames.has(group.name)) throw new UsageError(`group name "${group.name}" is used twice`);
    groupNames.add(group.name);
    if (group.columns.length === 0 || group.columns.some((c) => c.trim() === '')) {
      throw new UsageError(`group "${group.name}" names an empty column`);
    }
    if (group.kind === 'fixed-effect' && group.columns.length !== 1) {
      throw new UsageError(`fixed-effect group "${group.name}" takes exactly one column, got ${group.columns.length}`);
    }
    for (const column of group.columns) {
      if (column === spec.outcome)
        throw new UsageError(`column "${column}" is the outcome and cannot also be in group "${group.name}"`);
      const previous = owner.get(column);
      if (previous !== undefined) {
        throw new UsageError(
          previous === group.name
            ? `column "${column}" is listed twice in group "${group.name}"`
            : `column "${column}" is in two groups ("${previous}" and "${group.name}"); ` +
                'a column may belong to one group only',
        );
      }
      owner.set(column, group.name);
    }
  }
  return spec;
}

/** Parse `NAME=COL[,COL...]` as given to --group / --fe. */
export function parseGroupArgument(text: string, kind: GroupKind): GroupSpec {
  const flag = kind === 'numeric' ? '--group' : '--fe';
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) {
    throw new UsageError(`${flag} expects NAME=COL${kind === 'numeric' ? '[,COL...]' : ''}, got "${text}"`);
  }
  const name = text.slice(0, eq).trim();
  const columns = text
    .slice(eq + 1)
    .split(',')
    .map((c) => c.trim());
  return { name, kind, columns };
}
