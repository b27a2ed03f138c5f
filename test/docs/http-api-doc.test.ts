// docs/http-api.md is the contract clients read: this keeps it true to the app's routes and
// messages. A route added without a `### METHOD /path` section there fails here, by name.
import { existsSync, readFileSync } from 'node:fs';
import type { Express } from 'express';
import { describe, expect, it } from 'vitest';
import { Messages } from '../../src/core/errors.js';
import { signInOk } from '../support/sign-in.js';
import { SHUTTING_DOWN } from '../../src/server/drain.js';
import { useHarness } from '../support/use-harness.js';

const DOC = readFileSync(new URL('../../docs/http-api.md', import.meta.url), 'utf8');
const HEADING = /^### (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/\S*)\s*$/gm;

/**
 * `METHOD /path` for every route of the app, read from Express's router stack and the stacks of
 * the routers mounted on it (src/routes/<area>/router.ts: mounted without a path, so their paths are whole).
 */
function routesOf(app: Express): string[] {
  interface Layer {
    route?: { path: string | string[]; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap(({ route, handle }) => {
      if (handle?.stack) return walk(handle.stack);
      if (!route) return [];
      return Object.keys(route.methods).flatMap((method) =>
        ([] as string[]).concat(route.path).map((path) => `${method.toUpperCase()} ${path}`),
      );
    });
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

function documentedRoutes(): string[] {
  return [...DOC.matchAll(HEADING)].map(([, method, path]) => `${method} ${path}`);
}

describe('docs/http-api.md', () => {
  const scope = useHarness({ reset: 'nothing' });

  /**
   * The routes the server answers: its own app's (the home page) and gconnect's router's,
   * mounted on it as an Express sub-app (whose stack the mount does not expose).
   */
  function servedRoutes(): string[] {
    return [...routesOf(scope.h.server.app), ...routesOf(scope.h.server.gconnect.router)];
  }

  it('when the app serves a route, then the doc has a section for it', () => {
    const routes = servedRoutes();
    expect(routes).toContain('POST /gconnect'); // the walk itself works
    const undocumented = routes.filter((r) => !documentedRoutes().includes(r));
    expect(undocumented, 'routes without a "### METHOD /path" section in docs/http-api.md').toEqual(
      [],
    );
  });

  it('when the doc has a route section, then the app serves that route', () => {
    const routes = servedRoutes();
    const documented = documentedRoutes();
    expect(documented.length).toBeGreaterThan(5);
    const missing = documented.filter((r) => !routes.includes(r));
    expect(missing, 'sections of docs/http-api.md for routes the app does not have').toEqual([]);
  });

  it('when GET /account/google answers JSON, then its section names every key', async () => {
    const agent = scope.h.client();
    await signInOk(scope.h, agent, 'alice@example.com');
    const res = await agent.get('/account/google').set('Accept', 'application/json').expect(200);
    const start = DOC.indexOf('### GET /account/google');
    const section = DOC.slice(start, DOC.indexOf('\n### ', start + 1));
    const keys = Object.keys(res.body as object);
    expect(keys).toContain('accessEndsAt');
    expect(keys.filter((k) => !section.includes(`"${k}"`))).toEqual([]);
  });

  it('when src/core/errors.ts or the server\'s drain has a public message, then the doc quotes it exactly', () => {
    // A message with a value in it (the name in the welcome) is quoted with NAME in its place.
    const absent = Object.entries({ ...Messages, shuttingDown: SHUTTING_DOWN })
      .map(([name, message]): [string, string] => [
        name,
        typeof message === 'function' ? message('NAME') : message,
      ])
      .filter(([, message]) => !DOC.includes(message))
      .map(([name, message]) => `${name}: ${message}`);
    expect(absent, 'Messages not quoted in docs/http-api.md').toEqual([]);
  });
});

describe('the repository docs', () => {
  const root = new URL('../../', import.meta.url);
  const files = [
    'README.md',
    'CHANGELOG.md',
    'bench/README.md',
    'docs/http-api.md',
    'docs/production.md',
  ];

  it('when a doc links to a file, then the file is in the repository', () => {
    const dead: string[] = [];
    for (const file of files) {
      const text = readFileSync(new URL(file, root), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (target === undefined || /^[a-z]+:/.test(target)) continue; // https:, mailto:
        const resolved = new URL(target, new URL(file, root));
        if (!resolved.href.startsWith(root.href) || !existsSync(resolved)) {
          dead.push(`${file}: ${target}`);
        }
      }
    }
    expect(dead).toEqual([]);
  });

  it('when a doc is read on a fresh clone, then it points at nothing outside the repository', () => {
    for (const file of files) {
      const text = readFileSync(new URL(file, root), 'utf8');
      expect(text, file).not.toMatch(/\.\.\/shared|DESIGN\.md|\/work\//);
    }
  });
});
