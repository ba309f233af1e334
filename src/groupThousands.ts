/**
 * An integer written with its digits in groups of three separated by commas, as `n.toLocaleString('en-GB')` writes
 * it ("1,041", "-12,345", "1,000,000,000,000,000"), without Intl: the first use of Intl in a process initialises
 * ICU's locale data, which costs a cold run of the command line about 13 ms. The digits are the shortest that
 * identify the number, as `String(n)` gives them, padded with zeros from 1e21 up instead of an exponent, and −0 is
 * "-0", as toLocaleString writes them. A number that is not an integer (a fraction, NaN, ±Infinity) is written by
 * `String(n)`: this is for counts.
 *
 * @example
 * groupThousands(1041); // "1,041"
 * groupThousands(-1000); // "-1,000"
 * groupThousands(999); // "999"
 */
export function groupThousands(n: number): string {
  if (!Number.isInteger(n)) return String(n);
  const digits = integerDigits(Math.abs(n));
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return sign + grouped;
}

/** The digits of a non-negative integer: `String(n)`, with an exponent (from 1e21) written out as zeros. */
function integerDigits(n: number): string {
  const [mantissa = '', exponent] = String(n).split('e+');
  if (exponent === undefined) return mantissa;
  const [whole = '', fraction = ''] = mantissa.split('.');
  return whole + fraction + '0'.repeat(Number(exponent) - fraction.length);
}
