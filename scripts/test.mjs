#!/usr/bin/env node
// `npm test`: the whole suite, in stages. Installs missing Debian packages first
// (scripts/system-deps.mjs), builds, then runs
//   node     node:test  test/core, test/vendor, test/server, test/redis   (real Socket.IO/Redis over TCP on 127.0.0.1)
//   browser  @web/test-runner in Debian's Chromium            (elements; in a fresh netns)
//   e2e      node:test  test/e2e                               (two browsers, relay, coturn; in a fresh netns)
// and prints one closing line "tests: N passed, M failed" over all stages.
// `node scripts/test.mjs node e2e` runs only those stages.
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSystemDeps } from './system-deps.mjs';
import { inNetns } from './netns.mjs';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);
const ALL = ['node', 'browser', 'e2e'];
const stages = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
for (const s of stages) if (!ALL.includes(s)) { console.error(`unknown stage ${s}; stages: ${ALL.join(' ')}`); process.exit(2); }

const files = (dir, re = /\.test\.ts$/) =>
  existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f)) : [];

ensureSystemDeps();
console.log('\n== build');
execFileSync('npm', ['run', '-s', 'typecheck'], { stdio: 'inherit' });
execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });

/** Runs a command, echoing its output, and returns {passed, failed, code} parsed from its summary. */
function run(name, argv, { netns = false } = {}) {
  console.log(`\n== ${name}: ${argv.join(' ')}`);
  return new Promise((resolve) => {
    const opts = { stdio: ['ignore', 'pipe', 'pipe'] };
    const child = netns ? inNetns(argv, opts) : spawn(argv[0], argv.slice(1), opts);
    let out = '';
    const tee = (dst) => (chunk) => { out += chunk; dst.write(chunk); };
    child.stdout.on('data', tee(process.stdout));
    child.stderr.on('data', tee(process.stderr));
    child.on('exit', (code, signal) => {
      // node:test spec reporter: "ℹ pass N" / "ℹ fail N"; web-test-runner: "N passed, M failed".
      const last = (re) => { const m = [...out.matchAll(re)].pop(); return m ? Number(m[1]) : 0; };
      let passed = last(/ℹ pass (\d+)/g), failed = last(/ℹ fail (\d+)/g);
      const wtr = [...out.matchAll(/(\d+) passed, (\d+) failed/g)].pop();
      if (wtr) { passed = Number(wtr[1]); failed = Number(wtr[2]); }
      const exit = code ?? (signal ? 1 : 0);
      // A stage that exits non-zero without a counted failure (crash, setup error) counts as one.
      if (exit !== 0 && failed === 0) failed = 1;
      resolve({ name, passed, failed, exit });
    });
  });
}

const nodeTest = (list, extra = []) => [process.execPath, '--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...list];
const results = [];
if (stages.includes('node')) {
  const list = [...files('test/core'), ...files('test/vendor'), ...files('test/server'), ...files('test/redis'), ...files('test/docs')];
  results.push(await run('node', nodeTest(list, ['--test-concurrency=2', '--test-timeout=120000'])));
}
if (stages.includes('browser')) {
  results.push(await run('browser', ['npx', 'web-test-runner', '--config', 'test/components/web-test-runner.config.mjs'], { netns: true }));
}
if (stages.includes('e2e')) {
  results.push(await run('e2e', nodeTest(files('test/e2e'), ['--test-concurrency=1', '--test-timeout=300000']), { netns: true }));
}

console.log('\n== summary');
for (const r of results) console.log(`${r.name.padEnd(8)} ${r.passed} passed, ${r.failed} failed${r.exit ? ` (exit ${r.exit})` : ''}`);
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
if (passed === 0 && failed === 0) console.log('no tests ran');
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed || results.some((r) => r.exit) || passed === 0 ? 1 : 0);
