import type { ParsedArgs } from './context';

/* What a command reads from its parsed arguments (the parser has already checked names, counts and ranges). */

export function flag(args: ParsedArgs, name: string): boolean {
  return args.flags.has(name);
}

export function value(args: ParsedArgs, name: string): string | undefined {
  return args.flags.get(name)?.[0];
}

export function values(args: ParsedArgs, name: string): string[] {
  return args.flags.get(name) ?? [];
}

/** A whole number flag already range-checked by the parser. */
export function intValue(args: ParsedArgs, name: string): number | undefined {
  const v = value(args, name);
  return v === undefined ? undefined : Number(v);
}
