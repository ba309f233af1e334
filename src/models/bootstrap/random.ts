import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { UsageError } from '../../errors.js';
import { lazyRequire } from '../../lazyRequire.js';

/** simple-statistics, loaded at the first normal draw (see lazyRequire). */
const statistics = lazyRequire<typeof import('simple-statistics')>('simple-statistics');

/** A seeded stream of random numbers; the same seed gives the same stream on every machine. */
export interface RandomSource {
  /** Uniform on [0, 1), multiples of 2^-53. */
  uniform(): number;
  /** Standard normal, by the inverse-CDF method (simple-statistics' probit of a uniform). */
  normal(): number;
}

/** Largest accepted seed: pure-rand seeds are 32-bit. */
export const MAX_SEED = 2 ** 32 - 1;

/**
 * A seeded generator: xoroshiro128+ (Blackman & Vigna 2018) from pure-rand, with 53-bit uniform doubles.
 * Chosen over Math.random for reproducibility, and over hand-written generators because pure-rand is tested
 * against the reference implementations.
 */
export function seededRandom(seed: number): RandomSource {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new UsageError(`seed must be a whole number from 0 to ${MAX_SEED}, got ${seed}`);
  }
  return sourceFrom(xoroshiro128plus(seed));
}

/** Uniform, normal and integer draws from one generator. */
function sourceFrom(generator: RandomGenerator): IntegerRandomSource {
  const uniform = () => uniformFloat64(generator);
  return {
    uniform,
    normal: () => {
      // u = 0 would give −∞; probit clamps it, but keep the tails honest by redrawing.
      let u = uniform();
      // Stryker disable next-line ConditionalExpression: a draw of exactly 0 (chance 2⁻⁵³) cannot be arranged
      while (u === 0) u = uniform();
      return statistics().probit(u);
    },
    integer: (from, to) => uniformInt(generator, from, to),
  };
}

/** A random source that also draws whole numbers, uniformly and without modulo bias. */
export interface IntegerRandomSource extends RandomSource {
  /** Uniform on {from, …, to}. */
  integer(from: number, to: number): number;
}

/**
 * Independent, reproducible streams for parallel work: stream r is the xoroshiro128+ generator seeded with
 * `seed` and advanced by r jumps of 2^64 steps. Stream r is the same whichever worker asks for it, so results
 * do not depend on how work is split.
 */
export function seededStreams(seed: number): (index: number) => IntegerRandomSource {
  seededRandom(seed); // validates the seed
  const master = xoroshiro128plus(seed);
  let position = 0;
  let current = master.clone();
  return (index: number) => {
    if (index < position) {
      position = 0;
      current = master.clone();
    }
    while (position < index) {
      current.jump();
      position++;
    }
    return sourceFrom(current.clone());
  };
}
