// node build.mjs: bundles entry.js into ../../static/vendor/plotly/plotly-sencotrack.min.js with
// esbuild, the way plotly.js builds its own dist files (esbuild-config.js in the package), and
// prints the size and SHA-256 to record in static/vendor/README.md.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../../static/vendor/plotly/plotly-sencotrack.min.js');
const plotly = JSON.parse(readFileSync(path.join(here, 'node_modules/plotly.js/package.json'), 'utf8'));
const traces = ['scatter', 'bar', 'heatmap'];

await esbuild.build({
    entryPoints: [path.join(here, 'entry.js')],
    outfile: out,
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'Plotly',
    target: 'es2016',
    // As plotly.js's own build: a browser global, and no AMD define() even where a page has one.
    define: { global: 'window', 'define.amd': 'false' },
    // maplibre-gl's stylesheet is imported by the map traces only; nothing here draws a map.
    loader: { '.css': 'empty' },
    legalComments: 'none',
    banner: { js: `/*! plotly.js v${plotly.version} (traces: ${traces.join(', ')}) | MIT licence, Copyright 2012-2026 Plotly, Inc. | built by tools/plotly-bundle */` },
    logLevel: 'warning',
});
rmSync(out.replace(/\.js$/, '.css'), { force: true });

const code = readFileSync(out);
const kb = (n) => (n / 1024).toFixed(0) + ' KB';
console.log(`${path.relative(process.cwd(), out)}: ${kb(code.length)}, gzip ${kb(gzipSync(code, { level: 9 }).length)}, ` +
    `brotli ${kb(brotliCompressSync(code).length)}`);
console.log(`sha256 ${createHash('sha256').update(code).digest('hex')}`);
