/**
 * Writes the JSON Schema of each lifecycle event (docs/events/*.schema.json) from the zod schemas the service builds
 * its events with, so the published contract cannot drift from what is emitted: `npx tsx scripts/event-schemas.ts`.
 * test/lifecycle/lifecycle-events.test.ts fails when the files are stale and validates real events against them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { lifecycleEventSchemas, schemaFileName } from '../lib/lifecycle/schemas';

export const EVENT_SCHEMA_DIR = join(__dirname, '..', 'docs', 'events');

/** File name to JSON Schema document. */
export function eventSchemaDocs(): Record<string, Record<string, unknown>> {
  const docs: Record<string, Record<string, unknown>> = {};
  for (const { detailType, schema } of lifecycleEventSchemas()) {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12' });
    const doc = {
      $schema: json.$schema,
      $id: `urn:veeam-org-sync:event:${schemaFileName(detailType).replace('.schema.json', '')}:v1`,
      title: `${detailType} (source veeam-org-sync)`,
      ...json,
    };
    docs[schemaFileName(detailType)] = doc;
  }
  return docs;
}

async function main(): Promise<void> {
  mkdirSync(EVENT_SCHEMA_DIR, { recursive: true });
  // Loaded here only: prettier's CommonJS entry cannot load inside jest, which imports this file for eventSchemaDocs.
  const { format, resolveConfig } = await import('prettier');
  const docs = eventSchemaDocs();
  for (const [name, doc] of Object.entries(docs)) {
    const file = join(EVENT_SCHEMA_DIR, name);
    // Formatted as `npm run format` would, so format:check stays clean.
    const options = (await resolveConfig(file)) ?? {};
    writeFileSync(file, await format(JSON.stringify(doc), { ...options, filepath: file }));
  }
  process.stdout.write(`wrote ${Object.keys(docs).length} schemas to docs/events/\n`);
}

if (process.argv[1]?.replace(/\\/g, '/').endsWith('scripts/event-schemas.ts')) void main();
