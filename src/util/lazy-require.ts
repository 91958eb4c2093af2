/**
 * CommonJS packages loaded on first use instead of at start: a feed, a sanitised story body or
 * an email is not needed to answer the first request, and loading them eagerly cost the start
 * about a quarter of a second and several MB that an idle server kept.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A function returning the package `name`, required the first time it is called. */
export function lazyRequire<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
