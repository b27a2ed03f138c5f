/**
 * Spreads a target's requests over its instances in turn, request by request: with two
 * instances a sign-in's GET /login and POST /gconnect often land on different ones, which only
 * works because they share their state (sessions, used states) in the database.
 */
export function roundRobin(urls: readonly string[]): () => URL {
  if (urls.length === 0) throw new Error('roundRobin: no URL to send requests to');
  const targets = urls.map((url) => new URL(url));
  let next = 0;
  return () => {
    const target = targets[next] as URL;
    next = (next + 1) % targets.length;
    return target;
  };
}
