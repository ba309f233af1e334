/**
 * A corner of the OpenDocument reader's namespace handling the mutation run found unchecked: a name with an
 * empty prefix (":name") is resolved through the default namespace, for an attribute as for an element, while a
 * name without any colon is an attribute of no namespace (odsSurvivors.test.ts checks that half).
 */
import { describe, expect, it } from 'vitest';
import { p, row, rowsOf, URN } from './odsFixtures.js';

describe('an attribute name with an empty prefix', () => {
  const repeated = (attribute: string) =>
    row(
      `<table:table-cell xmlns="${URN.table}" ${attribute}="3" office:value-type="float" office:value="1">` +
        `${p('1')}</table:table-cell>`,
    );

  it('takes the default namespace: ":number-columns-repeated" repeats the cell', () => {
    expect(rowsOf(repeated(':number-columns-repeated'))).toEqual([[1, 1, 1]]);
  });

  it('unlike a name without a colon, which has no namespace and is not the table attribute', () => {
    expect(rowsOf(repeated('number-columns-repeated'))).toEqual([[1]]);
  });
});
