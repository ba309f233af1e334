/**
 * Exact power-of-two scaling and overflow-safe norms: the tools that make a model's results independent of the
 * units its columns are measured in.
 *
 * Multiplying a double by a power of two changes only its exponent, so it is exact unless the result leaves
 * the normal range; every later operation (sums, products, quotients, square roots) then rounds exactly as it
 * would have on the unscaled numbers, shifted by the same power of two. A model whose columns are each scaled
 * by a power of two chosen from their own magnitude ("equilibration") therefore gives bit-identical R², shares
 * and rank decisions whatever the units of its columns — up to the single rounding of a column's values when
 * the units differ by a factor that is not itself a power of two (e.g. 10¹⁷⁰) — and no intermediate quantity
 * can overflow or underflow merely because of the units.
 *
 * References: Higham, Accuracy and Stability of Numerical Algorithms (2nd ed.), §2.1 (scaling by the radix is
 * exact) and §7.3 (equilibration); IEEE 754-2019 §5.3.3 (scaleB); C99 ldexp/frexp.
 */

const view = new DataView(new ArrayBuffer(8));

/** The smallest and largest exponents e for which 2^e is a normal double. */
const MIN_NORMAL_EXPONENT = -1022;
const MAX_EXPONENT = 1023;

/**
 * 2^e exactly, for an integer e in [−1022, 1023] (the normal range), built from its bit pattern so that it does
 * not depend on the accuracy of Math.pow.
 */
export function powerOfTwo(e: number): number {
  if (!Number.isInteger(e) || e < MIN_NORMAL_EXPONENT || e > MAX_EXPONENT)
    throw new RangeError(`powerOfTwo: exponent ${e} is outside [${MIN_NORMAL_EXPONENT}, ${MAX_EXPONENT}]`);
  view.setUint32(0, (e + 1023) << 20);
  view.setUint32(4, 0);
  return view.getFloat64(0);
}

/**
 * The binary exponent of a finite non-zero x, as C's frexp gives it: the integer e with 2^(e−1) ≤ |x| < 2^e,
 * so that |x|·2^−e lies in [1/2, 1). Subnormal x are handled (e down to −1073).
 */
export function binaryExponent(x: number): number {
  if (!Number.isFinite(x) || x === 0) throw new RangeError(`binaryExponent: ${x} has no binary exponent`);
  let offset = 0;
  let value = x;
  if (Math.abs(value) < powerOfTwo(MIN_NORMAL_EXPONENT)) {
    value *= powerOfTwo(64);
    offset = 64;
  }
  view.setFloat64(0, value);
  const field = (view.getUint16(0) >>> 4) & 0x7ff;
  return field - 1022 - offset;
}

/**
 * x·2^e (C's ldexp, IEEE 754's scaleB): exact whenever the result is a normal double, for any integer e (the
 * factor is applied in steps that are themselves normal powers of two, so that 2^e need not be representable).
 * Results below the normal range are rounded (possibly to 0); results above it become ±Infinity.
 */
export function ldexp(x: number, e: number): number {
  if (!Number.isInteger(e)) throw new RangeError(`ldexp: exponent ${e} is not an integer`);
  let value = x;
  let rest = e;
  while (rest > MAX_EXPONENT && Number.isFinite(value) && value !== 0) {
    value *= powerOfTwo(MAX_EXPONENT);
    rest -= MAX_EXPONENT;
  }
  while (rest < MIN_NORMAL_EXPONENT && Number.isFinite(value) && value !== 0) {
    value *= powerOfTwo(MIN_NORMAL_EXPONENT);
    rest -= MIN_NORMAL_EXPONENT;
  }
  if (rest > MAX_EXPONENT || rest < MIN_NORMAL_EXPONENT) return value; // already ±Infinity or 0
  return value * powerOfTwo(rest);
}

/** Largest |v| over the values (0 for none); NaN if any value is NaN. */
export function maxAbs(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    // A NaN is the answer wherever it is: compared, it would lose to every later value.
    if (Number.isNaN(v)) return Number.NaN;
    if (v > largest) largest = v;
  }
  return largest;
}

/**
 * The equilibration exponent of a variable whose largest magnitude is `largest`: the E with
 * largest·2^−E ∈ [1/2, 1), i.e. E = frexp exponent of `largest` (0 when largest is 0). With `even`, E is rounded
 * up to an even number, so that largest·2^−E ∈ [1/4, 1) and √(v·2^−E) = √v·2^(−E/2) exactly — the scaling of
 * row weights w, whose square roots multiply the rows.
 */
export function equilibrationExponent(largest: number, even = false): number {
  if (!Number.isFinite(largest)) throw new RangeError(`equilibrationExponent: ${largest} is not finite`);
  if (largest === 0) return 0;
  const e = binaryExponent(largest);
  return even && e % 2 !== 0 ? e + 1 : e;
}

/** values·2^e into `out` (default: a new array), each value exact unless it leaves the normal range. */
export function scaleByPowerOfTwo(
  values: ArrayLike<number>,
  e: number,
  out: Float64Array = new Float64Array(values.length),
): Float64Array {
  if (e >= MIN_NORMAL_EXPONENT && e <= MAX_EXPONENT) {
    const factor = powerOfTwo(e);
    for (let i = 0; i < values.length; i++) out[i] = values[i]! * factor;
  } else {
    for (let i = 0; i < values.length; i++) out[i] = ldexp(values[i]!, e);
  }
  return out;
}

/**
 * The Euclidean norm ‖v‖₂ of `length` entries of `a` from `start`, without overflow or harmful underflow: a
 * running scale s = max |v_i| seen so far and a sum q with ‖v‖² = s²·q, updated as LAPACK's dnrm2 (reference
 * implementation up to 3.9; Hammarling's algorithm, cf. Blue (1978), "A portable Fortran program to find the
 * Euclidean norm of a vector", ACM TOMS 4(1):15–23):
 *   |v_i| > s:  q ← 1 + q·(s/|v_i|)²,  s ← |v_i|;   otherwise  q ← q + (|v_i|/s)².
 * The result is finite whenever ‖v‖₂ is (up to 1.8e308), where Σ v_i² would overflow from 1.3e154.
 */
export function scaledNorm(a: ArrayLike<number>, start = 0, length = a.length - start): number {
  let scale = 0;
  let sum = 1;
  for (let i = start; i < start + length; i++) {
    const v = a[i]!;
    if (v !== 0) {
      const abs = Math.abs(v);
      if (scale < abs) {
        sum = 1 + sum * (scale / abs) * (scale / abs);
        scale = abs;
      } else {
        sum += (abs / scale) * (abs / scale);
      }
    }
  }
  return scale * Math.sqrt(sum);
}

/**
 * √(a² + b²) without overflow or underflow (the hypotenuse of a Givens rotation): the larger magnitude times
 * √(1 + t²), t = smaller/larger ≤ 1. Unlike Math.hypot it is scale-equivariant bit for bit:
 * hypot(2^k·a, 2^k·b) = 2^k·hypot(a, b) exactly, because t is unchanged by the common factor.
 * Reference: Golub & Van Loan, Matrix Computations (4th ed.), §5.1.8 (computing Givens rotations).
 */
export function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const large = Math.max(x, y);
  if (large === 0) return 0;
  const t = Math.min(x, y) / large;
  return large * Math.sqrt(1 + t * t);
}
