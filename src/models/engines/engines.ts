import { createFactorFitter, factorGrams, type FactoredModel } from '../design/factoredModel.js';
import { projectedGrams, type SubsetEngines } from './gramFitter.js';
import type { ModelData } from '../design/modelData.js';
import { createSubsetFitter } from './subsetFit.js';

/** A model as the decomposition engines take it: its rows, or (without fixed effects) its triangular factor. */
export type DecomposableModel = ModelData | FactoredModel;

export function isFactored(model: DecomposableModel): model is FactoredModel {
  return 'factor' in model;
}

/**
 * The subset-fitting engines of a model: projected Gram matrices and QR fits, from the rows (`projectedGrams`,
 * `createSubsetFitter`) or from the triangular factor of a streamed model (`factorGrams`, `createFactorFitter`).
 */
export function enginesOf(model: DecomposableModel): SubsetEngines {
  return isFactored(model)
    ? { statistics: factorGrams(model), stable: createFactorFitter(model) }
    : { statistics: projectedGrams(model), stable: createSubsetFitter(model) };
}
