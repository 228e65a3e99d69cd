// `npm run schemas`: writes schemas/*.schema.json from the code.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allSchemas, schemaText } from './schemas.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schemas');
for (const [name, schema] of Object.entries(allSchemas())) {
  await fs.writeFile(path.join(dir, `${name}.schema.json`), schemaText(schema));
  process.stdout.write(`schemas/${name}.schema.json\n`);
}
