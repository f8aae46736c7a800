// node build.mjs: bundles entry.js with esbuild (as plotly.js builds its own dist files:
// esbuild-config.js in the package), minifies it with terser (about 7% smaller than esbuild's own
// minifier after brotli), writes ../../static/vendor/plotly/plotly-sencotrack.min.js and prints
// its sizes and SHA-256 for static/vendor/README.md. The same package-lock.json gives the same file.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { minify } from 'terser';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../../static/vendor/plotly/plotly-sencotrack.min.js');
const plotly = JSON.parse(readFileSync(path.join(here, 'node_modules/plotly.js/package.json'), 'utf8'));
const entry = readFileSync(path.join(here, 'entry.js'), 'utf8');
const traces = ['scatter', ...[...entry.matchAll(/require\('plotly\.js\/lib\/(\w+)'\)/g)].map((m) => m[1])];

const bundled = await esbuild.build({
    entryPoints: [path.join(here, 'entry.js')],
    outdir: path.join(here, 'build'),
    write: false,
    bundle: true,
    minify: false,
    format: 'iife',
    globalName: 'Plotly',
    target: 'es2016',
    // As plotly.js's own build: a browser global, and no AMD define() even where a page has one.
    define: { global: 'window', 'define.amd': 'false' },
    // maplibre-gl's stylesheet is imported by the map traces only; nothing here draws a map.
    loader: { '.css': 'empty' },
    legalComments: 'none',
    logLevel: 'warning',
});
const source = bundled.outputFiles.find((file) => file.path.endsWith('.js')).text;
const minified = await minify(source, { ecma: 2016, compress: { passes: 2 }, mangle: true, format: { comments: false } });
const banner = `/*! plotly.js v${plotly.version} (traces: ${traces.join(', ')}) | MIT licence, Copyright 2012-2026 Plotly, Inc. | built by tools/plotly-bundle */\n`;
writeFileSync(out, banner + minified.code + '\n');

const code = readFileSync(out);
const kb = (n) => (n / 1024).toFixed(0) + ' KB';
console.log(`${path.relative(process.cwd(), out)}: ${kb(code.length)}, gzip ${kb(gzipSync(code, { level: 9 }).length)}, ` +
    `brotli ${kb(brotliCompressSync(code).length)}`);
console.log(`sha256 ${createHash('sha256').update(code).digest('hex')}`);
