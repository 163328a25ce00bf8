/**
 * Rewrites the table of environment variables in docs/relay.md from server/config/table.ts:
 * `node --import tsx scripts/config-docs.ts` after adding or changing an option.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { docTable, findDocTable } from '../server/config/docs.js';

const file = new URL('../docs/relay.md', import.meta.url);
const md = readFileSync(file, 'utf8').split('\n');
const [first, end] = findDocTable(md);
md.splice(first, end - first, ...docTable());
writeFileSync(file, md.join('\n'));
console.log(`docs/relay.md: ${end - first - 2} → ${docTable().length - 2} variables`);
