import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OperatorInputError } from './failure';

/** Reads one JSON document from a file (or stdin for '-'); every failure names the file and what was expected. */
export function readJsonFile(file: string, what: string, readStdin: () => string): unknown {
  const where = file === '-' ? `${what} on standard input` : `${what} file "${file}"`;
  let text: string;
  try {
    text = file === '-' ? readStdin() : readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? `does not exist (looked for ${path.resolve(file)})`
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : code === 'EACCES'
            ? 'cannot be read (permission denied)'
            : `cannot be read (${code ?? (err as Error).message})`;
    throw new OperatorInputError('FileUnreadable', `${where} ${why}`, { cause: err });
  }
  if (!text.trim()) throw new OperatorInputError('FileEmpty', `${where} is empty; expected ${what} as JSON`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new OperatorInputError(
      'FileNotJson',
      `${where} is not JSON (${(err as Error).message}); expected ${what} as JSON`,
      { cause: err },
    );
  }
}
