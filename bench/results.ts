/** What one bench run measured, as the report sections read it. */
import type { TargetStats } from './compare.js';
import type { MemoryResult } from './memory.js';
import type { PageStats } from './page-views.js';
import type { ScaleResult } from './scale.js';

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
}

/** The app on PostgreSQL: one instance, and two on one database. */
export interface PostgresStats<T> {
  oneInstance: T;
  twoInstances: T;
}

export interface Results {
  machine: Machine;
  /** Where the PostgreSQL targets ran, or why there were none (no PostgreSQL binaries). */
  postgres?: { server: string } | { skipped: string };
  throughput?: {
    /** The app on SQLite, as `npm start` runs it. */
    app: TargetStats;
    appQuietLog?: TargetStats;
    limit: TargetStats;
    ratio: number;
    /** The conventional peer: express-session + an npm SQLite store, the same popup sign-in. */
    sessionPeer?: TargetStats | undefined;
    /** --baseline: the other checkout's app, same rounds. */
    baseline?: TargetStats | undefined;
    /** The same rounds on PostgreSQL (unless --engines sqlite or skipped). */
    postgres?: PostgresStats<TargetStats> | undefined;
  };
  /** Redirect-flow sign-ins: the app next to Passport's (passport-google-oauth20), same rounds. */
  redirect?: {
    /** The app on SQLite. */
    app: TargetStats;
    passport: TargetStats;
    /** app / passport sign-ins per second. */
    ratio: number;
    baseline?: TargetStats | undefined;
    /** The app on PostgreSQL (1 instance), same rounds (unless --engines sqlite or skipped). */
    postgres?: TargetStats | undefined;
  };
  /** Signed-in page views: GET /me (JSON) and GET / (HTML), next to the limit from memory. */
  signedIn?: { me: PageComparison; home: PageComparison };
  latency?: {
    /** The app on SQLite. */
    app: TargetStats;
    limit: TargetStats;
    delayMs: number;
    floorMs: number;
    /** The app on PostgreSQL (1 instance), same rounds (unless --engines sqlite or skipped). */
    postgres?: TargetStats | undefined;
  };
  /** The app on SQLite. */
  memory?: MemoryResult | undefined;
  /** The app on PostgreSQL (1 instance), in turns with SQLite's. */
  memoryPostgres?: MemoryResult | undefined;
  /** SQLite. */
  scale?: ScaleResult;
  scalePostgres?: ScaleResult;
}

export interface PageComparison {
  app: PageStats;
  limit: PageStats;
  ratio: number;
  /** The conventional peers, reading the user from SQLite per request. */
  peers?: { session: PageStats; passport: PageStats } | undefined;
  baseline?: PageStats | undefined;
  postgres?: PostgresStats<PageStats> | undefined;
}
