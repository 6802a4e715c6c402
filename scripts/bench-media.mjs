#!/usr/bin/env node
// `npm run bench:media`: generates its corpus, optimises every file for 300 KB, 600 KB and
// 1 MB with the real pipeline and, in the same run, with a naive baseline (resize to 640 px,
// JPEG q80 once); prints JSON: pass rate (under budget and inside the box), SSIM against the
// resized original (ssim.js defaults, i.e. Wang et al.'s protocol with its downsampling, and
// also at full resolution, which is stricter), time per file, peak RSS, and how fast a
// decompression bomb is refused.
// A benchmark, not a test: it prints the figures and the targets, and never fails on them.
import { register } from 'tsx/esm/api';

register();
const log = (message) => process.stderr.write(`[bench:media] ${message}\n`);
const sharp = (await import('sharp')).default;
const { buildCorpus } = await import('../test/fixtures/media/corpus.ts');
const { optimizeBytes } = await import('../src/main/media/optimize.ts');
const { resolveFfmpegPath } = await import('../src/main/media/video.ts');
const { ssimAgainstOriginal } = await import('../test/fixtures/media/quality.ts');
const fx = await import('../test/fixtures/media/generate.ts');

const BUDGETS = [300_000, 600_000, 1_000_000];
const BOX = 1280;
const BACKGROUND = '#ffffff';
const video = { ffmpegPath: resolveFfmpegPath() };

const target = (maxBytes) => ({
  maxBytes,
  maxWidth: BOX,
  maxHeight: BOX,
  maxVideoWidth: 640,
  accepts: ['image/jpeg', 'image/png', 'image/gif', 'video/mp4'],
  allowsTransparency: false,
  allowsAnimation: true,
  background: BACKGROUND,
});

/** The comparison: what a quick script would do, with no idea of the budget. */
async function baseline(bytes) {
  const buffer = await sharp(bytes, { autoOrient: true })
    .resize(640, 640, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: BACKGROUND })
    .jpeg({ quality: 80 })
    .toBuffer();
  const metadata = await sharp(buffer).metadata();
  return { buffer, width: metadata.width, height: metadata.height, frames: 1 };
}

const median = (values) => quantile(values, 0.5);
function quantile(values, q) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}
const round = (value, digits = 4) => (value === null ? null : Number(value.toFixed(digits)));

log('generating the corpus…');
const corpus = await buildCorpus();
log(`${corpus.length} files; optimising for ${BUDGETS.join(', ')} bytes`);

const results = [];
for (const budget of BUDGETS) {
  for (const item of corpus) {
    for (const method of ['pipeline', 'baseline']) {
      const started = performance.now();
      let rendition;
      let error = null;
      try {
        rendition = method === 'pipeline' ? await optimizeBytes(item.bytes, target(budget), { video }) : await baseline(item.bytes);
      } catch (caught) {
        error = caught.code ?? caught.message;
      }
      const ms = performance.now() - started;
      if (error) {
        results.push({ budget, method, name: item.name, kind: item.kind, ms, pass: false, ssim: null, error });
        continue;
      }
      const inBox = rendition.width <= BOX && rendition.height <= BOX;
      const pass = rendition.buffer.length <= budget && inBox;
      const ssim = await ssimAgainstOriginal(item.bytes, rendition.buffer, BACKGROUND);
      const ssimFull = await ssimAgainstOriginal(item.bytes, rendition.buffer, BACKGROUND, { fullResolution: true });
      results.push({ budget, method, name: item.name, kind: item.kind, ms, pass, ssim, ssimFull, bytes: rendition.buffer.length, frames: rendition.frames });
    }
  }
  log(`done: ${budget}`);
}

function summarise(rows) {
  const stills = rows.filter((row) => row.kind === 'still');
  const animations = rows.filter((row) => row.kind === 'animation');
  const ssims = rows.map((row) => row.ssim).filter((value) => value !== null);
  const stillSsims = stills.map((row) => row.ssim).filter((value) => value !== null);
  const stillMs = stills.map((row) => row.ms);
  const stillFull = stills.map((row) => row.ssimFull).filter((value) => value !== null && value !== undefined);
  return {
    files: rows.length,
    passRate: round(rows.filter((row) => row.pass).length / rows.length, 3),
    ssimMedian: round(median(ssims)),
    ssimMin: round(ssims.length ? Math.min(...ssims) : null),
    stillSsimMedian: round(median(stillSsims)),
    stillSsimMin: round(stillSsims.length ? Math.min(...stillSsims) : null),
    stillSsimFullResMedian: round(median(stillFull)),
    stillSsimFullResMin: round(stillFull.length ? Math.min(...stillFull) : null),
    stillMsMedian: round(median(stillMs), 1),
    stillMsP95: round(quantile(stillMs, 0.95), 1),
    animationMsMedian: round(median(animations.map((row) => row.ms)), 1),
    animationsKept: `${animations.filter((row) => row.pass && row.frames > 1).length}/${animations.length}`,
    failures: rows.filter((row) => !row.pass).map((row) => `${row.name}${row.error ? ` (${row.error})` : ` (${row.bytes} B)`}`),
  };
}

const byBudget = {};
for (const budget of BUDGETS) {
  byBudget[budget] = {
    pipeline: summarise(results.filter((row) => row.budget === budget && row.method === 'pipeline')),
    baseline: summarise(results.filter((row) => row.budget === budget && row.method === 'baseline')),
  };
}
const pipelineStills = results.filter((row) => row.method === 'pipeline' && row.kind === 'still');
const pipelineAll = results.filter((row) => row.method === 'pipeline');

// The bomb: a 50,000 × 50,000 PNG header in a few hundred bytes, refused from its header.
const bomb = fx.bombPng();
const bombTimes = [];
let bombCode = null;
for (let run = 0; run < 20; run += 1) {
  const started = performance.now();
  try {
    await optimizeBytes(bomb, target(600_000), { video });
  } catch (caught) {
    bombCode = caught.code;
  }
  bombTimes.push(performance.now() - started);
}

let videoResult = null;
if (video.ffmpegPath) {
  const clip = await fx.videoClip(video.ffmpegPath, { seconds: 5 });
  const started = performance.now();
  const rendition = await optimizeBytes(clip, target(600_000), { video });
  videoResult = { seconds: 5, budget: 600_000, bytes: rendition.buffer.length, width: rendition.width, height: rendition.height, ms: round(performance.now() - started, 1) };
}

const at600 = byBudget[600_000].pipeline;
const report = {
  corpus: { stills: corpus.filter((item) => item.kind === 'still').length, animations: corpus.filter((item) => item.kind === 'animation').length, budgets: BUDGETS, box: BOX },
  byBudget,
  overall: {
    passRate: round(pipelineAll.filter((row) => row.pass).length / pipelineAll.length, 3),
    stillMsMedian: round(median(pipelineStills.map((row) => row.ms)), 1),
    stillMsP95: round(quantile(pipelineStills.map((row) => row.ms), 0.95), 1),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
  },
  bomb: { code: bombCode, msMedian: round(median(bombTimes), 2), msMax: round(Math.max(...bombTimes), 2) },
  video: videoResult,
  targets: {
    allUnderBudget: pipelineAll.every((row) => row.pass),
    stillSsimMedianAt600kAtLeast098: at600.stillSsimMedian >= 0.98,
    everyAnimationKept: BUDGETS.every((budget) => {
      const [kept, total] = byBudget[budget].pipeline.animationsKept.split('/');
      return kept === total;
    }),
    stillMedianAtMost250ms: median(pipelineStills.map((row) => row.ms)) <= 250,
    bombRefusedUnder50ms: Math.max(...bombTimes) < 50,
  },
  machine: { node: process.version, cpus: (await import('node:os')).cpus().length, loadAverage: (await import('node:os')).loadavg().map((value) => round(value, 2)) },
};
console.log(JSON.stringify(report, null, 2));
