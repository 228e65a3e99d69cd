// `npm run schemas`: writes schemas/*.schema.json from the code.
import { PACKAGE_ROOT } from '../util/package-root.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { allSchemas, schemaText } from './schemas.js';

const dir = path.join(PACKAGE_ROOT, 'schemas');
for (const [name, schema] of Object.entries(allSchemas())) {
  await fs.writeFile(path.join(dir, `${name}.schema.json`), schemaText(schema));
  process.stdout.write(`schemas/${name}.schema.json\n`);
}
