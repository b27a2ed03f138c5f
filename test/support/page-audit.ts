import axe from 'axe-core';
import type { Frame, Page } from 'playwright-core';

/** The phone and the laptop every page is checked at. */
export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

/** axe-core impacts that fail the audit (minor and moderate ones are left to judgment). */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

/**
 * What is wrong with the page as loaded now: horizontal overflow and axe-core violations of
 * serious or critical impact, as readable lines (empty when the page passes). Console errors
 * are the ConsoleWatch's (see browser.ts), which sees every page of the context.
 */
export async function auditPage(target: Page | Frame, label: string): Promise<string[]> {
  return [
    ...(await overflowProblems(target)).map((p) => `${label}: overflow: ${p}`),
    ...(await axeProblems(target)).map((p) => `${label}: axe: ${p}`),
  ];
}

/**
 * The page scrolls sideways, or an element pokes out of the viewport (unless an ancestor clips
 * or scrolls it, as a table wrapper with `overflow-x: auto` does).
 */
async function overflowProblems(target: Page | Frame): Promise<string[]> {
  return target.evaluate(() => {
    const width = window.innerWidth;
    const problems: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > width) {
      problems.push(`the page is ${root.scrollWidth}px wide in a ${width}px viewport`);
    }
    const clipped = (el: Element): boolean => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return true;
      }
      return false;
    };
    const name = (el: Element): string => {
      const id = el.id ? `#${el.id}` : '';
      const cls =
        typeof el.className === 'string' && el.className
          ? `.${el.className.trim().split(/\s+/).join('.')}`
          : '';
      return `${el.tagName.toLowerCase()}${id}${cls}`;
    };
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (getComputedStyle(el).position === 'fixed' && box.right <= width + 1) continue;
      if ((box.right > width + 1 || box.left < -1) && !clipped(el)) {
        problems.push(`${name(el)} spans ${Math.round(box.left)}..${Math.round(box.right)}px`);
      }
    }
    return problems.slice(0, 10);
  });
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs the real axe-core engine in the page. Its source is evaluated through the DevTools
 * protocol, in the page's own world, so the page's CSP (script nonces) does not block it.
 */
async function axeProblems(target: Page | Frame): Promise<string[]> {
  const loaded = await target.evaluate(() => 'axe' in window);
  if (!loaded) await target.evaluate(axe.source);
  const violations = await target.evaluate(async () => {
    const run = (window as unknown as { axe: typeof axe }).axe.run;
    const result = await run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return (violations as AxeViolation[])
    .filter((v) => FAILING_IMPACTS.has(v.impact ?? ''))
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}
