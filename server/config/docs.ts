/**
 * The table of environment variables in docs/relay.md ("Configuration"), written from the
 * configuration table: `node --import tsx scripts/config-docs.ts` rewrites it, and
 * test/server/config-docs.test.ts holds the docs to it.
 */
import type { AnyRow, Row } from './rows.js';
import { ENV_NOTES, TABLE } from './table.js';

export interface DocRow {
  env: string;
  /** As the docs' default column says it: `8080`, `–` for none, or the row's own words. */
  default: string;
  meaning: string;
}

export const DOC_HEADER = ['| variable | default | meaning |', '| --- | --- | --- |'] as const;

const docDefault = (row: Row<unknown, boolean> & { env: string }): string => {
  if (row.docDefault !== undefined) return row.docDefault;
  const spelled = row.default === undefined ? '' : row.parser.format(row.default);
  return spelled ? `\`${spelled}\`` : '–';
};

/** Every variable the relay reads, in the table's order. */
export function docRows(): DocRow[] {
  const options = (Object.values(TABLE) as AnyRow[]).flatMap((row) => ('parts' in row ? Object.values(row.parts) : [row]));
  const rows: DocRow[] = [];
  for (const row of options) if (row.env !== undefined) rows.push({ env: row.env, default: docDefault(row), meaning: row.doc });
  for (const note of ENV_NOTES) rows.push({ env: note.env, default: '–', meaning: note.doc });
  return rows;
}

/** The docs table's lines, header included. */
export const docTable = (): string[] => [...DOC_HEADER, ...docRows().map((r) => `| \`${r.env}\` | ${r.default} | ${r.meaning} |`)];

/** The lines of `md` that hold the variables' table: [first, end) around the header. */
export function findDocTable(md: string[]): [number, number] {
  const first = md.indexOf(DOC_HEADER[0]);
  if (first < 0) throw new Error(`no "${DOC_HEADER[0]}" table`);
  let end = first;
  while (end < md.length && md[end]!.startsWith('|')) end++;
  return [first, end];
}
