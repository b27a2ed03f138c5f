/**
 * Every relative link in the repository's Markdown resolves on a fresh clone: the file exists in
 * the repository, and a `#fragment` names a heading of it (GitHub's anchors). Nothing points
 * outside the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/dist.js';

const SKIP = new Set(['node_modules', 'dist', 'reports', 'coverage', 'test-results', 'data']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name.startsWith('.') || SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** The anchors GitHub gives a Markdown file's headings. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Problems with the relative links of one file, as `file: target (why)`. */
export function deadLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const dead: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (/^[a-z][a-z+.-]*:/i.test(target!)) continue; // https:, mailto:
    const [path, fragment] = target!.split('#') as [string, string | undefined];
    const resolved = path === '' ? file : resolve(dirname(file), path);
    const name = `${relative(ROOT, file)}: ${target}`;
    if (relative(ROOT, resolved).startsWith('..')) dead.push(`${name} (outside the repository)`);
    else if (!existsSync(resolved)) dead.push(`${name} (no such file)`);
    else if (
      fragment !== undefined &&
      resolved.endsWith('.md') &&
      !anchorsOf(readFileSync(resolved, 'utf8')).has(fragment)
    )
      dead.push(`${name} (no such heading)`);
  }
  return dead;
}

describe('the Markdown of the repository', () => {
  const files = markdownFiles(ROOT);

  it('when the docs are listed, then the README and the manual in docs/ are among them', () => {
    const names = files.map((f) => relative(ROOT, f));
    expect(names).toEqual(expect.arrayContaining(['README.md', 'docs/configuration.md']));
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))(
    'when %s links to a file or a heading, then it exists in the repository',
    (_name, file) => {
      expect(deadLinks(file)).toEqual([]);
    },
  );

  it.each(files.map((f) => [relative(ROOT, f), f]))(
    'when %s is read on a fresh clone, then it names nothing outside the repository',
    (name, file) => {
      expect(readFileSync(file, 'utf8'), name).not.toMatch(/\.\.\/shared|DESIGN\.md|\/work\//);
    },
  );

  it('when a link names a missing file or heading, then it is reported', () => {
    expect(anchorsOf('# A title\n## Which code talks to Google?\n## 6. Several `x`\n')).toEqual(
      new Set(['a-title', 'which-code-talks-to-google', '6-several-x']),
    );
  });
});
