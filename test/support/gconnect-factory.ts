/**
 * createGconnect with this project's test hooks: router settings the options rightly refuse
 * (production cookies against the emulator), another session store class, and the app's own
 * database connection and session store to reach into. The standalone server takes it as its
 * factory (startServer's `createGconnect`); the package's createGconnect has no such door.
 */
import {
  composeGconnect,
  type Gconnect,
  type GconnectHooks,
} from '../../src/composition/create-gconnect.js';
import { readOptions } from '../../src/config/from-options.js';
import type { GconnectOptions } from '../../src/index.js';
import type { TableSessionStore } from '../../src/http/session/table-session-store.js';
import type { SqliteDatabase } from '../../src/storage/sqlite/database.js';

/** What the tests reach into: the app's SQLite connection (undefined on PostgreSQL), its session store. */
export interface Inside {
  db: SqliteDatabase | undefined;
  sessionStore: TableSessionStore;
}

export function gconnectWithHooks(
  hooks: Omit<GconnectHooks, 'opened'>,
  opened: (inside: Inside) => void = () => {},
): (options: GconnectOptions) => Promise<Gconnect> {
  return (options) => {
    const { config, extras } = readOptions(options);
    return composeGconnect(config, extras, { ...hooks, opened });
  };
}
