import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BENCH_CLOSE, BENCH_OPEN, withBenchBlock } from '../../bench/readmeBlock.js';

/**
 * Timings in the README come from `npm run bench`, which rewrites one marked block after a whole run
 * (bench/run.ts): none is typed by hand, so none outlives the code it measured.
 */
describe('the README block of timings', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('is one block between the markers', () => {
    expect(readme.split(BENCH_OPEN)).toHaveLength(2);
    expect(readme.split(BENCH_CLOSE)).toHaveLength(2);
    expect(readme.indexOf(BENCH_OPEN)).toBeLessThan(readme.indexOf(BENCH_CLOSE));
  });

  it('is what the benchmark writes there, and only there', () => {
    const text = `before\n${BENCH_OPEN}\nold timings\n${BENCH_CLOSE}\nafter\n`;
    expect(withBenchBlock(text, 'new timings\n')).toBe(`before\n${BENCH_OPEN}\nnew timings\n${BENCH_CLOSE}\nafter\n`);
    expect(withBenchBlock(readme, 'x')).toContain(readme.slice(readme.indexOf(BENCH_CLOSE)));
    expect(() => withBenchBlock('no markers', 'x')).toThrow(/needs one block/);
    expect(() => withBenchBlock(`${BENCH_OPEN}\n${BENCH_OPEN}\n${BENCH_CLOSE}`, 'x')).toThrow(/needs one block/);
  });

  it('holds every timing: none elsewhere in the README', () => {
    const outside = readme.slice(0, readme.indexOf(BENCH_OPEN)) + readme.slice(readme.indexOf(BENCH_CLOSE));
    // A duration, or a measured peak of memory. A limit ("up to 10 minutes", "less than 60 s") is not a timing.
    const figure = new RegExp(
      [
        String.raw`(?<![\w.])\d[\d,.]*\s?(?:ms|s|seconds?|minutes?|hours?)\b`,
        String.raw`\b(?:a few|one|two|three|four|five|ten) (?:seconds?|minutes?|hours?)\b`,
        String.raw`\bpeak(?: of| at)? \d[\d,.]*\s?[MG]i?B\b`,
      ].join('|'),
      'g',
    );
    const limit = /(?:\b(?:up to|at most|less than|more than|over|under|limit)|[≤<])[^.;]{0,40}$/;
    const typed = [...outside.matchAll(figure)]
      .filter((match) => !limit.test(outside.slice(Math.max(0, match.index - 60), match.index)))
      .map((match) => outside.slice(Math.max(0, match.index - 40), match.index + match[0].length));
    expect(typed).toEqual([]);
  });
});
