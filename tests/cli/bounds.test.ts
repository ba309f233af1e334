/**
 * Bounded parsers through the command line: inputs that used to end in "Maximum call stack size exceeded" (exit 1)
 * or ran out of memory (x0*x1*…*x19) are refused with exit 2 and one line naming the flag; a 5,000-term --derive
 * sum just inside the limits is fitted, and its coefficient is R's (tests/reference/units-reference.json) / 5,000.
 * Times and peak memory of the refusals: `npm run bench refusals`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, SYNTHETIC_FILE } from './run.js';

const nested = (open: string, close: string, k: number, inner: string) => open.repeat(k) + inner + close.repeat(k);
const DEEP = '(more than 200 levels of parentheses, function calls, signs and powers)';
const NUMERIC = ['--group', 'deprivation=idaci', '--group', 'resources=spend,vacancy'];

/** The flag and its value as the message quotes them: JSON, cut to 60 characters. */
const quoted = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);

describe('refused with exit 2 and one line naming the flag', () => {
  const derive = (text: string) => ['fit', SYNTHETIC_FILE, '--group', 'z=z', '--derive', text];
  const formula = (text: string) => ['fit', SYNTHETIC_FILE, '--formula', text];
  it.each([
    [
      '--derive',
      '1,500 nested parentheses',
      `z = ${nested('(', ')', 1500, 'spend')}`,
      `the expression is too deeply nested at position 205 ${DEEP}`,
    ],
    [
      '--derive',
      '10^4 unary minus signs',
      `z = ${'-'.repeat(10_000)}spend`,
      `the expression is too deeply nested at position 205 ${DEEP}`,
    ],
    [
      '--derive',
      '3,000 nested log(',
      `z = ${nested('log(', ')', 3000, 'spend')}`,
      `the expression is too deeply nested at position 808 ${DEEP}`,
    ],
    [
      '--derive',
      'a 5,000-term sum of 30,003 characters',
      `z = ${Array(5000).fill('spend').join('+')}`,
      'the expression is 30,003 characters long, more than the 20,000 allowed',
    ],
    [
      '--formula',
      '1,500 nested parentheses',
      `cpp_rate ~ ${nested('(', ')', 1500, 'spend')}`,
      `the formula is too deeply nested at position 212 ${DEEP}`,
    ],
    [
      '--formula',
      'x0*x1*…*x19',
      `cpp_rate ~ ${Array.from({ length: 20 }, (_, i) => `x${i}`).join('*')}`,
      'the product at position 14 expands to 1,048,575 terms (2^20 − 1), more than the 4,096 a formula may have',
    ],
  ])('%s: %s', (flag, _, text, detail) => {
    const result = runCli(flag === '--derive' ? derive(text) : formula(text));
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`error: ${flag} ${quoted(text)}: ${detail}\n`);
  });
});

describe('just inside the limits', () => {
  it('a 5,000-term --derive sum is fitted: its coefficient is lm()’s for spend / 5,000', () => {
    const reference = JSON.parse(readFileSync('tests/reference/units-reference.json', 'utf8')) as {
      variants: { name: string; numeric: { coefficients: Record<string, number> } }[];
    };
    const spend = reference.variants.find((v) => v.name === 'original')!.numeric.coefficients.spend!;
    const sum = `z = ${Array(5000).fill('s').join('+')}`;
    const result = runCli([
      'fit',
      SYNTHETIC_FILE,
      '--derive',
      's = spend',
      '--derive',
      sum,
      ...NUMERIC.map((arg) => arg.replace('spend', 'z')),
      '--format',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const rows = (JSON.parse(result.stdout) as { coefficients: { term: string; estimate: number }[] }).coefficients;
    const z = rows.find((row) => row.term === 'z')!.estimate;
    expect(Math.abs(z * 5000 - spend) / spend).toBeLessThan(1e-9);
  });
});
