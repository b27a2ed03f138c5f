/**
 * Synchronous work behind a Promise-returning interface (SQLite stores shaped for PostgreSQL, a
 * body already read): its result resolves and what it throws rejects, never escaping
 * synchronously, as an async function would.
 */
export function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}
