// `npm run build:manifest` (the last step of `npm run build`): dist/custom-elements.json, the
// elements' API as editors, linters and catalogues read it, from the JSDoc of
// src/components/rtc-*.ts (@customElement, @attr, @fires, @csspart, @cssprop, documented
// properties). test/docs/manifest.test.ts checks docs/widget.md against it.

/** Private (#name) and protected members are the elements' insides, not their API. */
const publicApiOnly = () => ({
  name: 'rtc-call-public-api-only',
  packageLinkPhase({ customElementsManifest }) {
    for (const mod of customElementsManifest.modules ?? [])
      for (const decl of mod.declarations ?? [])
        if (decl.members)
          decl.members = decl.members.filter((m) => !m.name.startsWith('#') && m.privacy !== 'private' && m.privacy !== 'protected');
  },
});

export default {
  globs: ['src/components/rtc-*.ts'],
  outdir: 'dist',
  litelement: true,
  // package.json's "customElements" is written by hand: a run into another folder must not move it.
  packagejson: false,
  plugins: [publicApiOnly()],
};
