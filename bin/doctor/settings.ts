import type { Env } from '../causes';

/**
 * Where doctor's settings come from. The environment is the one source today; a saved configuration (a file per
 * stage) is another source of the same names, merged in front of or behind it by whoever adds it.
 */
export interface SettingsSource {
  /** Named in the report ("environment", "config/prod.yml"). */
  name: string;
  read(): Env;
}

export const environmentSource = (env: Env): SettingsSource => ({ name: 'environment', read: () => env });

/** Sources later in the list fill only what earlier ones leave unset. */
export function readSettings(sources: SettingsSource[]): { values: Env; from: string } {
  const values: Env = {};
  for (const s of sources)
    for (const [k, v] of Object.entries(s.read())) if (values[k] === undefined && v !== undefined) values[k] = v;
  return { values, from: sources.map((s) => s.name).join(', ') };
}

/** The stack parameter secretsExtensionLayerArn, as the doctor reads it (the functions never need it at run time). */
export const LAYER_SETTING = 'SECRETS_EXTENSION_LAYER_ARN';
