// The published JSON Schemas (schemas/*.schema.json), generated from the zod descriptions so
// the code and the documents cannot drift apart (test/unit/schemas.test.ts compares them).
import { z } from 'zod';
import { RecipeSchema } from './schema.js';
import { lockFileSchema } from '../debian/lockfile.js';
import { cacheEntryJsonSchema } from '../cache/entry.js';

/** name → JSON Schema (draft-07, what ajv validates by default). */
export function allSchemas(): Record<string, unknown> {
  const schema = (s: z.ZodType, title: string): unknown => ({ ...(z.toJSONSchema(s, { io: 'input', target: 'draft-7' }) as object), title });
  return {
    recipe: schema(RecipeSchema, 'r4l recipe'),
    lock: schema(lockFileSchema, 'r4l lock file (debian-packages)'),
    'cache-entry': { ...cacheEntryJsonSchema(), title: 'r4l remote cache entry (/ac/<key>)' },
  };
}

/** The text of a schema file: pretty JSON with a trailing newline. */
export function schemaText(schema: unknown): string {
  return JSON.stringify(schema, null, 2) + '\n';
}
