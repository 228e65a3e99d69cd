// The published JSON Schemas are generated from the zod descriptions: a change to the code
// without `npm run schemas` fails here, and the shipped recipes validate against them.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { allSchemas, schemaText } from '../../engine/recipe/schemas.js';

const SCHEMAS = path.resolve(__dirname, '../../schemas');
const RECIPES = path.resolve(__dirname, '../../recipes');

describe('schemas/', () => {
  it('matches what the code generates (run `npm run schemas` after changing a schema)', () => {
    const generated = allSchemas();
    expect(readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json')).sort()).toEqual(Object.keys(generated).map((n) => `${n}.schema.json`).sort());
    for (const [name, schema] of Object.entries(generated)) {
      expect(readFileSync(path.join(SCHEMAS, `${name}.schema.json`), 'utf8'), `schemas/${name}.schema.json`).toBe(schemaText(schema));
    }
  });

  it('accepts every shipped recipe and lock file, and rejects a broken one', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const recipe = ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS, 'recipe.schema.json'), 'utf8')));
    const lock = ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS, 'lock.schema.json'), 'utf8')));
    const files = readdirSync(RECIPES, { recursive: true, encoding: 'utf8' });
    const yamls = files.filter((f) => f.endsWith('.yaml'));
    const locks = files.filter((f) => f.endsWith('.lock.json'));
    expect(yamls.length).toBeGreaterThanOrEqual(6);
    for (const f of yamls) expect(recipe(parse(readFileSync(path.join(RECIPES, f), 'utf8'))), `${f}: ${JSON.stringify(recipe.errors)}`).toBe(true);
    for (const f of locks) expect(lock(JSON.parse(readFileSync(path.join(RECIPES, f), 'utf8'))), `${f}: ${JSON.stringify(lock.errors)}`).toBe(true);
    expect(recipe({ nodes: { a: { kind: 'command', toolchain: 'host', script: 'x', bogus: 1 } } })).toBe(false);
  });
});
