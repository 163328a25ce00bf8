// Lucide's per-icon ES modules (lucide/dist/esm/icons/*.mjs) have no declarations of their own.
declare module 'lucide/dist/esm/icons/*.mjs' {
  const node: [tag: string, attrs: Record<string, string | number>][];
  export default node;
}
