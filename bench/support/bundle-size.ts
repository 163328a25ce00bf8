/**
 * Bundle sizes for the call-setup bench: the shipped dist/rtc-call.js, and the floor
 * any Lit + Socket.IO widget pays — lit and socket.io-client bundled ALONE (the same
 * entry points the widget imports, nothing else) with rollup + terser as an IIFE.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { rollup, type Plugin } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terserImport from '@rollup/plugin-terser';

// The plugin's types describe its CJS build; under ESM the default import IS the function.
const terser = terserImport as unknown as (options?: { format?: { comments?: boolean } }) => Plugin;

export interface Size {
  min: number;
  gzip: number;
}

export const sizeOf = (code: string | Buffer): Size => ({
  min: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
});

/** The file is already minified by the widget's build; gzip it as a server would. */
export const fileSize = (path: string): Size => sizeOf(readFileSync(path));

const ENTRY = '\0floor-entry';
// Re-exporting keeps the used parts alive through tree-shaking, as the widget's imports do.
const FLOOR_SOURCE = `export { LitElement, html, css, svg, nothing, render } from 'lit';
export { io } from 'socket.io-client';`;

const virtualEntry: Plugin = {
  name: 'floor-entry',
  resolveId: (id) => (id === ENTRY ? ENTRY : null),
  load: (id) => (id === ENTRY ? FLOOR_SOURCE : null),
};

/** lit + socket.io-client alone, min + gzip. */
export async function floorSize(): Promise<Size> {
  const bundle = await rollup({
    input: ENTRY,
    plugins: [virtualEntry, nodeResolve({ browser: true }), terser({ format: { comments: false } })],
    onwarn: () => {},
  });
  try {
    const { output } = await bundle.generate({ format: 'iife', name: 'floor' });
    return sizeOf(output[0].code);
  } finally {
    await bundle.close();
  }
}
