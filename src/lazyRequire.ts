import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A dependency (or a Node module) loaded on first use rather than when the module that uses it is: for libraries that
 * only some options need and that cost a cold start to load. The statistical libraries of the bootstrap (about 150
 * CommonJS modules of @stdlib, and simple-statistics' tables, built when it loads) and fflate's tables (.ods files
 * only) cost a `decompose` that uses neither about 10 ms; `node:worker_threads` (only when workers start) 1.6 ms.
 *
 * The dependency is resolved from this module's folder by Node's `require`, so it is not inlined in the bundle
 * (rolldown.config.ts) but read from node_modules, where it is installed as any dependency is; it must have a
 * CommonJS entry (`require` in its exports). Its types are the ones its ES module declares.
 *
 * @example
 * const statistics = lazyRequire<typeof import('simple-statistics')>('simple-statistics');
 * statistics().probit(0.975); // 1.959963984540054, the library loaded by this first call
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(id) as T;
    return loaded;
  };
}
