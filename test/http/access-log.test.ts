import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { useHarness } from '../support/use-harness.js';
import { waitUntil } from '../support/wait-until.js';

let h: Harness;
useHarness({}, (s) => (h = s.h));

interface AccessLine {
  level: number;
  msg: string;
  req: { id: number; method: string; path: string };
  res: { statusCode: number };
  responseTime: number;
}

/** The access-log lines for `path` (and `msg`), once `count` were written (after the response). */
async function accessLines(path: string, count: number, msg?: string): Promise<AccessLine[]> {
  return waitUntil(`${count} access-log lines for ${path}`, () => {
    const lines = h.logs
      .map((l) => JSON.parse(l) as Partial<AccessLine>)
      .filter((l): l is AccessLine => l.req?.path === path && (!msg || l.msg === msg));
    return lines.length >= count ? lines : undefined;
  });
}

describe('the access log', () => {
  it('when a static file is served in development, then its line is at debug', async () => {
    await h.client().get('/style.css').expect(200);
    const [line] = await accessLines('/style.css', 1);
    expect(line).toMatchObject({ level: 20, res: { statusCode: 200 } });
  });

  it('when requests are answered, then each gets one line: id, method, path without query, status, time', async () => {
    const path = '/no-such-page-for-the-access-log';
    await h.client().get(`${path}?state=secret-state`).set('Cookie', 'sid=secret-sid').expect(404);
    await h.client().post(path).expect(404);
    const lines = await accessLines(path, 2);
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => [l.msg, l.level, l.req.method, l.res.statusCode])).toEqual([
      ['request completed', 30, 'GET', 404],
      ['request completed', 30, 'POST', 404],
    ]);
    expect(lines[1]!.req.id).toBeGreaterThan(lines[0]!.req.id);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(
        ['hostname', 'level', 'msg', 'pid', 'req', 'res', 'responseTime', 'time'].sort(),
      );
      expect(Object.keys(line.req).sort()).toEqual(['id', 'method', 'path']);
      expect(line.responseTime).toBeGreaterThanOrEqual(0);
    }
    const text = h.logs.join('\n');
    expect(text).not.toContain('secret-state');
    expect(text).not.toContain('secret-sid');
  });

  it('when the client goes away before the answer, then the line says so at warn level', async () => {
    // A POST whose body never completes: the body parser waits, the client hangs up.
    const path = '/gconnect';
    const url = new URL(h.url);
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: `${path}?state=x`,
        headers: { 'content-type': 'application/octet-stream', 'content-length': '100' },
      });
      req.on('error', () => resolve());
      req.write('partial', () => setImmediate(() => req.destroy()));
      req.on('close', () => resolve());
    });
    const [line] = await accessLines(path, 1, 'request aborted');
    expect(line).toMatchObject({
      msg: 'request aborted',
      level: 40,
      req: { method: 'POST', path },
    });
  });
});

describe('the access log in production', () => {
  let p: Harness;
  useHarness(
    { app: { production: true, emulator: false, baseUrl: 'https://app.example.com' } },
    (s) => (p = s.h),
  );

  it('when a static file is served, then its line stays at info, as for every request', async () => {
    await p.client().get('/style.css').expect(200);
    const lines = await waitUntil('the access-log line for /style.css', () => {
      const found = p.logs
        .map((l) => JSON.parse(l) as Partial<AccessLine>)
        .filter((l): l is AccessLine => l.req?.path === '/style.css');
      return found.length > 0 ? found : undefined;
    });
    expect(lines.map((l) => l.level)).toEqual([30]);
  });
});
