import { SETTINGS, type Setting, type SettingKey, type SettingValues } from './settings.js';

/** How problems name a setting: by its variable (the environment) or its option (createGconnect). */
export interface Naming {
  source: 'env' | 'options';
  name: (key: SettingKey) => string;
  /** `NODE_ENV=production` / `production is true`, for "… when <production>". */
  production: string;
  /** A switch turned on: `ONE_TAP=on` / `oneTap: true`. */
  on: (key: SettingKey) => string;
}

const settingOf = (key: SettingKey) => SETTINGS[key] as Setting<unknown>;

export const ENV_NAMING: Naming = {
  source: 'env',
  name: (key) => settingOf(key).env ?? settingOf(key).option ?? key,
  production: 'NODE_ENV=production',
  on: (key) => `${ENV_NAMING.name(key)}=on`,
};

export const OPTION_NAMING: Naming = {
  source: 'options',
  name: (key) => settingOf(key).option ?? settingOf(key).env ?? key,
  production: 'production is true',
  on: (key) => `${OPTION_NAMING.name(key)}: true`,
};

/**
 * Each setting's value from `raw` (a variable's text or an option's value; undefined or '' is
 * unset), in the table's order: unset or unreadable means its default, and each unreadable one
 * is named in `problems`, so the checks after it still run and one error names every problem.
 */
export function readSettings(
  raw: (setting: Setting<unknown>) => unknown,
  naming: Naming,
  problems: string[],
): SettingValues {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [SettingKey, Setting<unknown>][]) {
    const given = raw(setting);
    values[key] = setting.default;
    if (given === undefined || given === '') continue;
    const value =
      naming.source === 'env'
        ? setting.kind.fromText(given as string)
        : setting.kind.fromValue(given);
    if (value === undefined) problems.push(unreadable(setting, naming.name(key), given, naming));
    else values[key] = value;
  }
  return values as SettingValues;
}

function unreadable(
  setting: Setting<unknown>,
  name: string,
  given: unknown,
  naming: Naming,
): string {
  const { kind } = setting;
  if (naming.source === 'env') {
    if (kind.envMessage) return kind.envMessage(name, String(given));
    return kind.quietEnv
      ? `${name} must be ${kind.rule.env}`
      : `${name} must be ${kind.rule.env}, got "${String(given)}"`;
  }
  const got = setting.secret === true ? `a ${typeof given}` : shown(given);
  return `${name} must be ${kind.rule.option}, got ${got}`;
}

/** A value as an error shows it: never a whole object (it may hold a secret). */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : `a ${typeof value}`;
}
