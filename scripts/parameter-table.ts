/**
 * Prints the parameters of every stack as Markdown tables (the reference in the deployment guide):
 * `npx tsx scripts/parameter-table.ts`. The key in config/<stage>.yml is the parameter name with a lower-case first
 * letter; "required" means the template's Rules refuse the default.
 */
import type { StackKind } from './stack-settings';
import { configKey, evaluateRule, readStackDefinition, STACKS } from './stack-settings';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function parameterTable(kind: StackKind): string {
  const def = readStackDefinition(kind);
  const defaults = Object.fromEntries(Object.entries(def.Parameters).map(([n, p]) => [n, String(p.Default ?? '')]));
  // Required: a Rule fails with every default in place (for a conditional rule: when its condition holds).
  const required = new Set(
    Object.values(def.Rules)
      .filter((r) => r.RuleCondition === undefined || evaluateRule(r.RuleCondition, defaults))
      .flatMap((r) =>
        r.Assertions.filter((a) => !evaluateRule(a.Assert, defaults)).flatMap((a) =>
          JSON.stringify(a.Assert)
            .match(/"Ref":"(\w+)"/g)!
            .map((m) => m.slice(7, -1))
            .slice(0, 1),
        ),
      ),
  );
  const rows = Object.entries(def.Parameters).map(([name, p]) => {
    const shape = p.AllowedValues
      ? p.AllowedValues.join(' | ')
      : p.Type === 'Number'
        ? `${p.MinValue ?? ''}–${p.MaxValue ?? ''}`
        : '';
    const dflt = required.has(name) ? '**required**' : p.Default === '' ? '(empty)' : `\`${String(p.Default)}\``;
    return `| \`${configKey(name)}\` | ${name} | ${dflt} | ${cell(shape)} | ${cell(p.Description ?? '')} |`;
  });
  return [
    `### ${STACKS[kind].service}${STACKS[kind].section ? ` (config section \`${STACKS[kind].section}:\`)` : ''}`,
    '',
    '| config key | Parameter | Default | Values | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1]?.replace(/\\/g, '/').endsWith('scripts/parameter-table.ts'))
  process.stdout.write((['service', 'management', 'forwarder'] as StackKind[]).map(parameterTable).join('\n'));
