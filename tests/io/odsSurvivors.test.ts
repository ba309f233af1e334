/**
 * What the .ods reader (src/io/ods.ts) makes of each kind of cell value, of the text of a cell (white space,
 * spaces, tabs, line breaks, headings, comments, CDATA, annotations, drawings), of namespace prefixes other than
 * LibreOffice's, and of the structure around the sheets (nested tables, sheets outside the spreadsheet, sheet
 * choice). The mutation run found each of these unchecked: every case pins one branch or boundary.
 */
import { describe, expect, it } from 'vitest';
import {
  cell,
  doc,
  empty,
  FOOT,
  HEAD,
  num,
  p,
  readXml,
  row,
  rowsOf,
  str,
  table,
  textOf,
  URN,
  readValue,
  xmlErrorOf,
} from './odsFixtures.js';

const typed = (type: string, attributes: string, text = 'shown') =>
  cell(`office:value-type="${type}" ${attributes}`, text === '' ? '' : p(text));

describe('numbers: float, percentage and currency cells', () => {
  it.each(['float', 'percentage', 'currency'])('a %s cell is its office:value, not its text', (type) => {
    expect(readValue(typed(type, 'office:value="0.5"', '50%'))).toBe(0.5);
    expect(readValue(typed(type, 'office:value=" 7 "', '7'))).toBe(7);
  });

  it.each([
    ['no office:value', ''],
    ['a blank office:value', 'office:value="  "'],
    ['an empty office:value', 'office:value=""'],
    ['an office:value that is not a number', 'office:value="abc"'],
    ['an infinite office:value', 'office:value="Infinity"'],
  ])('with %s, its text', (_, attributes) => {
    expect(readValue(typed('float', attributes))).toBe('shown');
    expect(readValue(typed('float', attributes, ''))).toBe(null);
  });
});

describe('dates', () => {
  it.each([
    ['2019-03-31', Date.UTC(2019, 2, 31)],
    [' 2019-03-31 ', Date.UTC(2019, 2, 31)],
    ['2020-01-02T12:30:00', Date.UTC(2020, 0, 2, 12, 30)],
    ['2020-01-02T12:30', Date.UTC(2020, 0, 2, 12, 30)],
    ['2020-01-02T12:30:00.250', Date.UTC(2020, 0, 2, 12, 30, 0, 250)],
    ['2020-01-02T12:30:00Z', Date.UTC(2020, 0, 2, 12, 30)],
    ['2020-01-02T12:30:00+01:30', Date.UTC(2020, 0, 2, 11, 0)],
    ['2020-01-02T12:30:00-05:45', Date.UTC(2020, 0, 2, 18, 15)],
    ['2020-01-02T12:30:00+00:00', Date.UTC(2020, 0, 2, 12, 30)],
  ])('%s', (value, ms) => {
    expect(readValue(typed('date', `office:date-value="${value}"`))).toEqual({ date: ms });
  });

  it.each([
    ['no office:date-value', ''],
    ['a date in another form', 'office:date-value="31/03/2019"'],
    ['a date with text after it', 'office:date-value="2019-03-31x"'],
  ])('with %s, its text', (_, attributes) => {
    expect(readValue(typed('date', attributes))).toBe('shown');
  });
});

describe('times: an ISO 8601 duration as hh:mm:ss', () => {
  it.each([
    ['PT13H05M09S', '13:05:09'],
    ['PT1H', '01:00:00'],
    ['PT30M', '00:30:00'],
    ['PT45S', '00:00:45'],
    ['PT1H30M', '01:30:00'],
    ['P1DT2H', '26:00:00'],
    ['P10DT0H', '240:00:00'],
    ['PT5.5S', '00:00:05.5'],
    ['PT1.25S', '00:00:01.25'],
    ['PT12.000S', '00:00:12'],
    ['-PT1H', '-01:00:00'],
    ['PT100H', '100:00:00'],
  ])('%s is %s', (value, time) => {
    expect(readValue(typed('time', `office:time-value="${value}"`))).toBe(time);
  });

  it.each(['XPT1H', 'PT1HX', 'P1D', 'PT1.S', 'PT1.xS', 'PxDT1H', ''])('%j is read by its text', (value) => {
    expect(readValue(typed('time', `office:time-value="${value}"`))).toBe('shown');
  });

  it('a time cell without a value is its text', () => {
    expect(readValue(typed('time', ''))).toBe('shown');
  });
});

describe('booleans', () => {
  it.each([
    ['true', true],
    ['1', true],
    [' true ', true],
    ['false', false],
    ['0', false],
    [' 0 ', false],
  ])('%j is %j', (value, expected) => {
    expect(readValue(typed('boolean', `office:boolean-value="${value}"`, 'TEXT'))).toBe(expected);
  });

  it.each([
    ['another value', 'office:boolean-value="yes"'],
    ['no value', ''],
  ])('with %s, its text', (_, attributes) => {
    expect(readValue(typed('boolean', attributes))).toBe('shown');
  });
});

describe('text', () => {
  it('a string cell is its office:string-value, else its text; a cell of no type, its text', () => {
    expect(readValue(typed('string', 'office:string-value="value"'))).toBe('value');
    expect(readValue(typed('string', 'office:string-value=""'))).toBe('shown');
    expect(readValue(typed('string', ''))).toBe('shown');
    expect(readValue(cell('office:value="3"', p('three')))).toBe('three');
    expect(readValue(typed('string', 'office:string-value="value"', ''))).toBe('value');
  });

  it('an attribute value has its tabs and line breaks read as spaces, but not those of character references', () => {
    expect(readValue(typed('string', 'office:string-value="a\tb\nc\r d"'))).toBe('a b c  d');
    expect(readValue(typed('string', 'office:string-value="a&#9;b&#10;c"'))).toBe('a\tb\nc');
  });

  it('any text is a value, whatever it says; an error value is empty', () => {
    expect(textOf(p('Stryker was here!'))).toBe('Stryker was here!');
    expect(readValue(cell('office:value-type="float" office:value="0" calcext:value-type="error"', p('#N/A')))).toBe(
      null,
    );
  });

  it('white space is collapsed: runs of spaces, tabs, carriage returns and line feeds', () => {
    expect(textOf(p('a\t\tb'))).toBe('a b');
    expect(textOf(p('a\r\rb'))).toBe('a b');
    expect(textOf(p('a\r\n b'))).toBe('a b');
    expect(textOf(p('\ta\t'))).toBe('a ');
    expect(textOf(p('a <text:span> b</text:span>'))).toBe('a b');
  });

  it('spaces, tabs and line breaks written as elements are kept, and white space after them too', () => {
    expect(textOf(p('a<text:s text:c="3"/>b'))).toBe('a   b');
    expect(textOf(p('a<text:s/>b'))).toBe('a b');
    expect(textOf(p('a<text:s text:c="0"/>b'))).toBe('a b');
    expect(textOf(p('a<text:s/> b'))).toBe('a  b');
    expect(textOf(p('a<text:tab/> b'))).toBe('a\t b');
    expect(textOf(p('a<text:line-break/>b'))).toBe('a\nb');
    expect(textOf(p('a<text:line-break/> b'))).toBe('a\n b');
  });

  it('paragraphs and headings are lines; an empty paragraph is an empty line', () => {
    expect(textOf('<text:h>title</text:h><text:p>body</text:p>')).toBe('title\nbody');
    expect(textOf('<text:p/><text:p>b</text:p>')).toBe('\nb');
    expect(textOf('<text:p>a</text:p><text:p/>')).toBe('a\n');
  });

  it('elements around or beside the paragraphs are not text', () => {
    expect(textOf('<text:soft-page-break/><text:p>a</text:p>')).toBe('a');
    expect(textOf('<text:p>a<text:span>b</text:span>c</text:p>')).toBe('abc');
    expect(textOf('<text:p>a</text:p><text:span></text:span>')).toBe('a');
    expect(textOf('<text:list><text:list-item><text:p>a</text:p></text:list-item></text:list>')).toBe('a');
  });

  it('annotations and drawings are left out, inside a paragraph or beside it', () => {
    expect(textOf('<text:p>a<office:annotation><text:p>note</text:p></office:annotation>b</text:p>')).toBe('ab');
    expect(textOf('<office:annotation/><text:p>kept</text:p>')).toBe('kept');
    expect(
      textOf(
        '<text:p>a<office:annotation><dc:creator>me</dc:creator><dc:date>2020-01-01</dc:date><text:p>note</text:p>' +
          '</office:annotation>b</text:p>',
      ),
    ).toBe('ab');
    expect(textOf('<text:p>a<office:annotation/>b</text:p>')).toBe('ab');
    expect(
      textOf('<draw:frame><draw:text-box><text:p>picture</text:p></draw:text-box></draw:frame><text:p>kept</text:p>'),
    ).toBe('kept');
    expect(
      textOf('<text:p>a<text:note><text:note-body><text:p>1</text:p></text:note-body></text:note>b</text:p>'),
    ).toBe('ab');
  });

  it('comments and processing instructions are left out, CDATA kept as it is', () => {
    expect(textOf(p('a<!-- note -->b'))).toBe('ab');
    expect(textOf(p('a<!--x--><!--y-->b'))).toBe('ab');
    expect(textOf(p('a<?pi x?>b'))).toBe('ab');
    expect(textOf(p('a<?x?><?y?>b'))).toBe('ab');
    expect(textOf(p('a<![CDATA[<b> & &lt;]]>c'))).toBe('a<b> & &lt;c');
    expect(textOf(p('<![CDATA[xyz]]><![CDATA[uvw]]>'))).toBe('xyzuvw');
  });

  it('CDATA outside a paragraph, or in an annotation, is not text', () => {
    expect(textOf('<![CDATA[outside]]><text:p>a</text:p>')).toBe('a');
    expect(textOf(p('a<office:annotation><text:p><![CDATA[note]]></text:p></office:annotation>b'))).toBe('ab');
    expect(rowsOf('<![CDATA[between rows]]>', row(num(1)))).toEqual([[1]]);
    expect(readXml(`<![CDATA[before]]>${doc(table('S', row(num(1))))}`).rows).toEqual([[1]]);
  });

  it('a comment holding tags is not read', () => {
    expect(readXml(doc('<!-- <table:table table:name="C"></table:table> -->', table('S', row(num(1)))))).toEqual({
      sheets: ['S'],
      index: 0,
      rows: [[1]],
    });
  });

  it('quotes in attribute values may hold ">" and "<"', () => {
    expect(readValue(typed('string', 'office:string-value="a>b"'))).toBe('a>b');
    expect(readValue(typed('string', "office:string-value='c>d'"))).toBe('c>d');
    expect(readValue(typed('string', `office:string-value='say "x>y"'`))).toBe('say "x>y"');
    expect(readValue(typed('string', `office:string-value="it's >"`))).toBe("it's >");
  });

  it('an end tag may have white space before its ">"; a trailing line break is no text', () => {
    expect(readXml(`${doc(table('S', '<table:table-row >', str('x'), '</table:table-row >'))}\n`).rows).toEqual([
      ['x'],
    ]);
  });
});

describe('namespaces', () => {
  const other =
    '<?xml version="1.0"?><o:document-content ' +
    `xmlns:o="${URN.office}" xmlns:t="${URN.table}" xmlns:x="${URN.text}" xmlns:c="${URN.calcext}">` +
    '<o:font-face-decls></o:font-face-decls><o:body><o:spreadsheet>' +
    '<t:table t:name="Other"><t:table-row>' +
    '<t:table-cell o:value-type="float" o:value="2"><x:p>two</x:p></t:table-cell>' +
    '<t:table-cell o:value-type="float" o:value="0" c:value-type="error"><x:p>#N/A</x:p></t:table-cell>' +
    '<t:table-cell o:value-type="string"><x:p>a<x:s x:c="2"/>b</x:p></t:table-cell>' +
    '</t:table-row></t:table></o:spreadsheet></o:body></o:document-content>';

  it('prefixes other than LibreOffice’s are read by their namespace', () => {
    expect(readXml(other)).toEqual({ sheets: ['Other'], index: 0, rows: [[2, null, 'a  b']] });
  });

  it('a default namespace applies to elements but not to attributes', () => {
    const xml = doc(
      `<table xmlns="${URN.table}" name="unprefixed" table:name="D"><table-row>${num(3)}</table-row></table>`,
      `<table xmlns="${URN.table}" name="unnamed"><table-row>${num(4)}</table-row></table>`,
    );
    expect(readXml(xml, '1')).toEqual({ sheets: ['D', ''], index: 0, rows: [[3]] });
    expect(readXml(xml, '2').rows).toEqual([[4]]);
  });

  it('only xmlns attributes declare namespaces', () => {
    const xml = doc(
      `<table xmlns="${URN.table}" axmlns="urn:other" foobart="urn:other" table:name="D">` +
        `<table-row>${num(3)}</table-row></table>`,
    );
    expect(readXml(xml).rows).toEqual([[3]]);
  });

  it('a declaration ends with its element', () => {
    const xml = doc(
      `<text:w xmlns:table="urn:other"></text:w>`,
      table('S', row(`<text:w xmlns:table="urn:other"><text:x text:y="xmlns"/></text:w>`, num(1))),
    );
    expect(readXml(xml)).toEqual({ sheets: ['S'], index: 0, rows: [[1]] });
  });

  it('a declaration on a self-closing element ends with it', () => {
    // Found by the mutation work: the declarations of <x/> were never undone, so `table:` stayed bound to
    // urn:other and the sheets after it were not seen.
    const xml = doc(`<text:w xmlns:table="urn:other"/>`, table('S', row(`<text:s xmlns:table="urn:other"/>`, num(1))));
    expect(readXml(xml)).toEqual({ sheets: ['S'], index: 0, rows: [[1]] });
  });

  it('a prefix bound to an unknown namespace is not LibreOffice’s', () => {
    const xml = doc(table('S', row(num(1))), `<table:table xmlns:table="urn:other" table:name="T"></table:table>`);
    expect(readXml(xml).sheets).toEqual(['S']);
  });

  it('a content.xml that declares no namespace is read by its prefixes', () => {
    const xml = `<office:document-content><office:body><office:spreadsheet>${table('S', row(num(1)))}${FOOT}`;
    expect(readXml(xml)).toEqual({ sheets: ['S'], index: 0, rows: [[1]] });
  });
});

describe('the structure around the sheets', () => {
  it('a table outside office:spreadsheet is not a sheet', () => {
    const opening = HEAD.replace('<office:body><office:spreadsheet>', '');
    const before = `${opening}<office:body>${table('Before', row(num(1)))}`;
    expect(readXml(`${before}<office:spreadsheet>${table('S', row(num(2)))}${FOOT}`).sheets).toEqual(['S']);
    const after = doc(table('S', row(num(2)))).replace(
      '</office:spreadsheet>',
      `</office:spreadsheet>${table('After', row(num(3)))}`,
    );
    expect(readXml(after).sheets).toEqual(['S']);
    expect(xmlErrorOf(`${before}</office:body></office:document-content>`)).toContain('its content.xml holds no sheet');
  });

  it('office:spreadsheet may be the root; one inside another changes nothing', () => {
    expect(readXml(`<office:spreadsheet>${table('S', row(num(1)))}</office:spreadsheet>`).rows).toEqual([[1]]);
    const inner = '<office:spreadsheet></office:spreadsheet>';
    const inRoot = `<office:spreadsheet>${inner}${table('S', row(num(1)))}</office:spreadsheet>`;
    expect(readXml(inRoot).sheets).toEqual(['S']);
    const nested = doc(`<office:spreadsheet></office:spreadsheet>`, table('S', row(num(1))));
    expect(readXml(nested).sheets).toEqual(['S']);
    const self =
      `${HEAD.replace('<office:spreadsheet>', '<office:spreadsheet/>')}${table('S', row(num(1)))}` +
      '</office:body></office:document-content>';
    expect(xmlErrorOf(self)).toContain('its content.xml holds no sheet');
  });

  it('a table inside a sheet is not a sheet, and its rows are not the sheet’s', () => {
    const xml = doc(
      table(
        'S',
        row(str('A')),
        `<table:table table:name="inner">${row(str('X'))}${row(str('Y'))}</table:table>`,
        row(str('B')),
        '<table:table table:name="self"/>',
        row(str('C')),
      ),
      table('T', row(str('D'))),
    );
    expect(readXml(xml)).toEqual({ sheets: ['S', 'T'], index: 0, rows: [['A'], ['B'], ['C']] });
    expect(readXml(xml, 'T').rows).toEqual([['D']]);
  });

  it('an empty sheet written as one element, then another sheet', () => {
    const xml = doc('<table:table table:name="E"/>', table('S', row(num(1))));
    expect(readXml(xml, 'S')).toEqual({ sheets: ['E', 'S'], index: 1, rows: [[1]] });
    expect(readXml(xml)).toEqual({ sheets: ['E', 'S'], index: 0, rows: [] });
  });

  it('a sheet without a name is named ""', () => {
    expect(readXml(doc(`<table:table>${row(num(1))}</table:table>`))).toEqual({ sheets: [''], index: 0, rows: [[1]] });
  });

  it('rows inside header-rows and column groups are the sheet’s', () => {
    const xml = doc(
      table(
        'S',
        '<table:table-columns><table:table-column/></table:table-columns>',
        `<table:table-header-rows>${row(str('h'))}</table:table-header-rows>`,
        row(num(1)),
      ),
    );
    expect(readXml(xml).rows).toEqual([['h'], [1]]);
  });

  it('a row written as one element is an empty row', () => {
    expect(rowsOf('<table:table-row/>', '<table:table-row table:number-rows-repeated="2"/>', row(num(1)))).toEqual([
      [],
      [],
      [],
      [1],
    ]);
  });

  it('a cell outside a row, or another element inside a row, is no cell', () => {
    expect(rowsOf(num(9), row('<text:x></text:x>', '<text:y/>', num(1)))).toEqual([[1]]);
  });

  it('covered cells take their place; empty cells before a value become nulls', () => {
    expect(rowsOf(row('<table:covered-table-cell/>', empty(2), num(1), empty(5)))).toEqual([[null, null, null, 1]]);
  });
});

describe('choosing a sheet', () => {
  const sheets = (count: number) =>
    doc(...Array.from({ length: count }, (_, k) => table(`Sheet${k + 1}`, row(num(k + 1)))));

  it('by a number of two digits', () => {
    expect(readXml(sheets(11), '10')).toEqual({
      sheets: Array.from({ length: 11 }, (_, k) => `Sheet${k + 1}`),
      index: 9,
      rows: [[10]],
    });
  });

  it('none such: index -1 and no rows', () => {
    expect(readXml(sheets(2), 'nope')).toEqual({ sheets: ['Sheet1', 'Sheet2'], index: -1, rows: [] });
    expect(readXml(sheets(2), '3')).toEqual({ sheets: ['Sheet1', 'Sheet2'], index: -1, rows: [] });
  });

  it('of two sheets of one name, the first', () => {
    const xml = doc(table('A', row(num(1))), table('A', row(num(2))), table('A', row(num(3))));
    expect(readXml(xml, 'A')).toEqual({ sheets: ['A', 'A', 'A'], index: 0, rows: [[1]] });
  });

  it('a sheet not chosen is not read, so its faults do not matter', () => {
    const bad = `<table:table table:name="Bad"><table:table-row table:number-rows-repeated="x"/></table:table>`;
    const xml = doc(bad, table('Good', row(num(1))), bad);
    expect(readXml(xml, '2').rows).toEqual([[1]]);
    expect(readXml(xml, 'Good').rows).toEqual([[1]]);
    expect(xmlErrorOf(xml, '3')).toContain('a table:number-rows-repeated that is not a whole number');
  });
});

describe('no --sheet chooses the first sheet', () => {
  it('even when a later sheet has no name (its name is "", as no choice is)', () => {
    const xml = doc(table('First', row(num(1))), `<table:table>${row(num(2))}</table:table>`);
    expect(readXml(xml)).toEqual({ sheets: ['First', ''], index: 0, rows: [[1]] });
  });
});
