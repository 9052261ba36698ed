#!/usr/bin/env node
// Builds the browser app (web/ → web/dist) when its sources changed since the last build, writes
// gzip and brotli copies next to the text assets (the server sends those when the browser takes
// them), and prints the gzipped size of the JavaScript the vote page loads first. Fails when that
// is over the budget: phones in a crowd on a bad network load it.
//   node scripts/build-web.mjs            build if needed
//   node scripts/build-web.mjs --force    build anyway
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = join(ROOT, 'web');
const DIST = join(WEB, 'dist');
const MANIFEST = join(DIST, '.vite', 'manifest.json');
const BUDGET_BYTES = 100 * 1024;
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt)$/;
// Test files run in parallel and may each ask for a build: one builds, the others wait for it.
const LOCK = join(ROOT, 'node_modules', '.cache', 'pollcast-web-build.lock');
const STALE_LOCK_MS = 180_000;

async function withLock(fn) {
  mkdirSync(join(LOCK, '..'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        continue;
      }
      if (age > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function newestMtime(dir, skip) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (skip.has(p)) continue;
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p, skip) : s.mtimeMs);
  }
  return newest;
}

function isFresh() {
  if (!existsSync(MANIFEST)) return false;
  const inputs = Math.max(newestMtime(WEB, new Set([DIST, join(WEB, 'node_modules')])), statSync(join(ROOT, 'package-lock.json')).mtimeMs);
  return inputs < statSync(MANIFEST).mtimeMs;
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== '.vite') out.push(...walk(p));
    } else out.push(p);
  }
  return out;
}

function precompress() {
  for (const file of walk(DIST)) {
    if (!COMPRESSIBLE.test(file)) continue;
    const buf = readFileSync(file);
    if (buf.length < 256) continue;
    writeFileSync(file + '.gz', gzipSync(buf, { level: 9 }));
    writeFileSync(file + '.br', brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }));
  }
}

/** The entry chunk and everything it imports statically: what /p/{id} loads before it can show the ballot. */
function votePageInitialJs() {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  const entry = Object.keys(manifest).find((k) => manifest[k].isEntry);
  if (!entry) throw new Error('no entry in the vite manifest');
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const dep of manifest[key].imports ?? []) visit(dep);
  };
  visit(entry);
  const files = [...seen].map((k) => manifest[k].file);
  const css = [...seen].flatMap((k) => manifest[k].css ?? []);
  const size = (f) => {
    const buf = readFileSync(join(DIST, f));
    return { raw: buf.length, gz: gzipSync(buf, { level: 9 }).length };
  };
  const sum = (list) => list.map(size).reduce((a, b) => ({ raw: a.raw + b.raw, gz: a.gz + b.gz }), { raw: 0, gz: 0 });
  return { files, js: sum(files), css: sum(css) };
}

const kb = (n) => (n / 1024).toFixed(1) + ' kB';

async function main() {
  await withLock(build);
  if (!process.exitCode) report();
}

async function build() {
  const force = process.argv.includes('--force');
  if (!force && isFresh()) {
    console.log('web: web/dist is up to date');
  } else {
    let vite;
    try {
      vite = await import('vite');
    } catch {
      if (existsSync(MANIFEST)) {
        console.warn('web: vite is not installed (production install?); keeping the existing web/dist');
        return;
      }
      console.error('web: vite is not installed and web/dist is missing: run `npm install` (with dev dependencies), then `npm run build`');
      process.exitCode = 1;
      return;
    }
    await vite.build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
    precompress();
    console.log(`web: built ${relative(ROOT, DIST)}`);
  }
}

function report() {
  const r = votePageInitialJs();
  console.log(`web: vote page initial JS ${kb(r.js.gz)} gzipped (${kb(r.js.raw)} raw, ${r.files.length} file${r.files.length === 1 ? '' : 's'}; budget ${kb(BUDGET_BYTES)}), CSS ${kb(r.css.gz)} gzipped`);
  if (r.js.gz > BUDGET_BYTES) {
    console.error(`web: the vote page's initial JS is over the ${kb(BUDGET_BYTES)} gzipped budget`);
    process.exit(1);
  }
}

await main();
