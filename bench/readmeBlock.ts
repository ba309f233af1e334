/**
 * The README's timings live in one block, between these markers, which `npm run bench` rewrites after a whole run
 * (bench/run.ts): no timing in the README is typed by hand (tests/readme/timings.test.ts checks the rest of it).
 */
export const BENCH_OPEN = '<!-- bench: written by npm run bench -->';
export const BENCH_CLOSE = '<!-- /bench -->';

/** The README with the text between the bench markers replaced by `body`; throws when the markers are missing. */
export function withBenchBlock(readme: string, body: string): string {
  const start = readme.indexOf(BENCH_OPEN);
  const end = readme.indexOf(BENCH_CLOSE);
  if (start < 0 || end < start || readme.indexOf(BENCH_OPEN, start + 1) >= 0)
    throw new Error(`the README needs one block between ${BENCH_OPEN} and ${BENCH_CLOSE}`);
  return `${readme.slice(0, start + BENCH_OPEN.length)}\n${body.trim()}\n${readme.slice(end)}`;
}
