import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding the package's package.json, found by walking up from this module: the same
 * answer whether the module runs from src/ (tsx, vitest), from dist/ (npm start, the image) or
 * from node_modules/gconnect-express/dist/, and at whatever depth its folder sits.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** A path inside the package (views/, public/): files that ship beside dist/, not in it. */
export function packagePath(...segments: string[]): string {
  return join(packageRoot(), ...segments);
}
