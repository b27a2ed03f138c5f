/**
 * The events of a Security Event Token (RFC 8417) as Cross-Account Protection sends them,
 * normalized: one type name per event, whichever of Google's URIs (current or legacy) named it.
 */
export type SecurityEventType =
  | 'sessions-revoked'
  | 'tokens-revoked'
  | 'token-revoked'
  | 'account-disabled'
  | 'account-enabled'
  | 'account-credential-change-required'
  | 'verification';

const KNOWN: ReadonlySet<string> = new Set<SecurityEventType>([
  'sessions-revoked',
  'tokens-revoked',
  'token-revoked',
  'account-disabled',
  'account-enabled',
  'account-credential-change-required',
  'verification',
]);

/**
 * Namespaces an event URI may use. Google documents `secevent/risc` and `secevent/oauth`; the
 * RISC drafts it implemented earlier used `risc/event-type` and underscores (`account_disabled`),
 * and either scheme has been seen, so both are accepted as aliases of the same type.
 */
const EVENT_URI =
  /^https?:\/\/schemas\.openid\.net\/(?:secevent\/(?:risc|oauth)|risc)\/event-type\/([a-z_-]+)$/;

export type SecurityEvent =
  | { type: 'verification'; uri: string; state: string | undefined }
  | { type: 'token-revoked'; uri: string; tokenIdentifier: TokenIdentifier | undefined }
  | {
      type: Exclude<SecurityEventType, 'verification' | 'token-revoked'>;
      uri: string;
      /** Google's `sub` of the account, from an `iss-sub` subject. */
      googleSub: string | undefined;
      reason: string | undefined;
    }
  | { type: 'unknown'; uri: string };

export interface TokenIdentifier {
  alg: 'prefix' | 'hash_base64_sha512_sha512';
  value: string;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The event type a URI names, or undefined for one this server does not know. */
export function eventTypeOf(uri: string): SecurityEventType | undefined {
  const name = EVENT_URI.exec(uri)?.[1]?.replaceAll('_', '-');
  return name !== undefined && KNOWN.has(name) ? (name as SecurityEventType) : undefined;
}

function tokenIdentifierOf(
  subject: Record<string, unknown> | undefined,
): TokenIdentifier | undefined {
  const alg = subject?.token_identifier_alg;
  const value = text(subject?.token);
  if (!value || (alg !== 'prefix' && alg !== 'hash_base64_sha512_sha512')) return undefined;
  return { alg, value };
}

/** Reads the `events` claim; throws when it is not an object of objects. */
export function parseSecurityEvents(events: unknown): SecurityEvent[] {
  const all = record(events);
  if (!all || Object.keys(all).length === 0) throw new Error('events must be a non-empty object');
  return Object.entries(all).map(([uri, body]) => {
    const event = record(body);
    if (!event) throw new Error('each event must be an object');
    const type = eventTypeOf(uri);
    if (type === undefined) return { type: 'unknown', uri };
    if (type === 'verification') return { type, uri, state: text(event.state) };
    const subject = record(event.subject);
    if (type === 'token-revoked') return { type, uri, tokenIdentifier: tokenIdentifierOf(subject) };
    const googleSub = subject?.subject_type === 'iss-sub' ? text(subject.sub) : undefined;
    return { type, uri, googleSub, reason: text(event.reason) };
  });
}
