// ajv validation against the published JSON Schema: for documents r4l did not write itself
// (imported recipes, and every file under `r4l lint`). Errors point into the file.
import { PACKAGE_ROOT } from '../util/package-root.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { YamlSource } from './yaml-source.js';
import { RecipeError, type Diagnostic } from './diagnostic.js';

const schemasDir = path.join(PACKAGE_ROOT, 'schemas');
const validators = new Map<string, ValidateFunction>();

/** The ajv validator of a published schema (schemas/<name>.schema.json). */
export function schemaValidator(name: string): ValidateFunction {
  let v = validators.get(name);
  if (!v) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    v = ajv.compile(JSON.parse(readFileSync(path.join(schemasDir, `${name}.schema.json`), 'utf8')));
    validators.set(name, v);
  }
  return v;
}

/** Validates recipe files against schemas/recipe.schema.json; throws with every error. */
export async function validateRecipeFiles(sources: YamlSource[]): Promise<void> {
  const diagnostics = sources.flatMap(schemaDiagnostics);
  if (diagnostics.length) throw new RecipeError(diagnostics);
}

/** The schema's complaints about one recipe file, as diagnostics (none when it is valid). */
export function schemaDiagnostics(source: YamlSource): Diagnostic[] {
  const validate = schemaValidator('recipe');
  if (validate(source.doc.toJS())) return [];
  return (validate.errors ?? []).map((error) => toDiagnostic(source, error));
}

function toDiagnostic(source: YamlSource, error: ErrorObject): Diagnostic {
  const parts = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return source.diagnosticFor([...parts, extra], `unknown field \`${extra}\` (schema)`, 'key');
  }
  return source.diagnosticFor(parts, `${parts.join('.') || 'document'}: ${error.message ?? 'invalid'} (schema)`);
}
