#!/usr/bin/env node
// `npm run bench:media`: generates its corpus, optimises every file for 300 KB, 600 KB and
// 1 MB with the real pipeline and, in the same run, with a budget-search reference (what a
// straightforward optimiser does: fit the phone box, binary-search JPEG quality 1–100 for the
// largest that fits; for images with alpha, a PNG first where it fits); prints JSON: per budget,
// the median and minimum SSIM of the stills for both, the time ratio, pass rate (under budget and
// inside the box), SSIM against the resized original (ssim.js defaults, i.e. Wang et al.'s
// protocol with its downsampling, and also at full resolution, which is stricter), peak RSS,
// animations kept, and how fast a decompression bomb is refused.
// A benchmark, not a test: it prints the figures and the targets, and never fails on them.
// Its last line on stdout is the report as one JSON object (indented on stderr).
// BENCH_QUICK=1 runs half the corpus (with the feathered cut-out) and skips the full-resolution SSIM.
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

/**
 * The reference: decode once at phone size, then bisect JPEG quality 1–100 for the largest that
 * fits (sharp's defaults otherwise); an image with alpha is tried as a PNG first. It never
 * scales below the box, so a file that does not fit at quality 1 fails.
 */
async function reference(bytes, budget) {
  const fitted = sharp(bytes, { autoOrient: true }).resize(BOX, BOX, { fit: 'inside', withoutEnlargement: true }).toColourspace('srgb');
  const { data, info } = await fitted.raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const result = (buffer) => ({ buffer, width: info.width, height: info.height, frames: 1 });
  if (info.channels === 4 || info.channels === 2) {
    const png = await sharp(data, raw).png().toBuffer();
    if (png.length <= budget) return result(png);
  }
  const flat = await sharp(data, raw).flatten({ background: BACKGROUND }).raw().toBuffer({ resolveWithObject: true });
  const input = { raw: { width: flat.info.width, height: flat.info.height, channels: flat.info.channels } };
  let low = 1;
  let high = 100;
  let best = null;
  while (low <= high) {
    const quality = Math.floor((low + high) / 2);
    const buffer = await sharp(flat.data, input).jpeg({ quality }).toBuffer();
    if (buffer.length <= budget) {
      best = buffer;
      low = quality + 1;
    } else {
      high = quality - 1;
    }
  }
  return result(best ?? (await sharp(flat.data, input).jpeg({ quality: 1 }).toBuffer()));
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
const fullCorpus = await buildCorpus();
const isQuick = process.env.BENCH_QUICK === '1';
const corpus = isQuick ? fullCorpus.filter((item, index) => index % 2 === 0 || item.name === 'alpha-gradient-photo') : fullCorpus;
log(`${corpus.length} files; optimising for ${BUDGETS.join(', ')} bytes`);

// One untimed round of each method on the first still: the first call of a process pays for
// compiling the code and starting libvips' threads, and Postcard's always comes first.
const warmUp = corpus.find((item) => item.kind === 'still');
await optimizeBytes(warmUp.bytes, target(BUDGETS[0]), { video });
await reference(warmUp.bytes, BUDGETS[0]);

const results = [];
for (const budget of BUDGETS) {
  for (const item of corpus) {
    // The reference is a still optimiser; animations are measured for Postcard alone.
    const methods = item.kind === 'still' ? ['postcard', 'reference'] : ['postcard'];
    for (const method of methods) {
      const started = performance.now();
      let rendition;
      let error = null;
      try {
        rendition = method === 'postcard' ? await optimizeBytes(item.bytes, target(budget), { video }) : await reference(item.bytes, budget);
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
      // ssim.js at full resolution takes seconds a file; the quick run leaves it out.
      const ssimFull = isQuick ? null : await ssimAgainstOriginal(item.bytes, rendition.buffer, BACKGROUND, { fullResolution: true });
      results.push({
        budget, method, name: item.name, kind: item.kind, ms, pass, ssim, ssimFull,
        reportedSsim: rendition.ssim ?? null, bytes: rendition.buffer.length, frames: rendition.frames, mime: rendition.mime ?? null,
      });
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
  const rows = (method) => results.filter((row) => row.budget === budget && row.method === method);
  const postcard = summarise(rows('postcard'));
  const referenceSummary = summarise(rows('reference'));
  const stillMs = (method) => rows(method).filter((row) => row.kind === 'still').reduce((sum, row) => sum + row.ms, 0);
  const paired = rows('postcard').filter((row) => row.kind === 'still').map((row) => {
    const other = rows('reference').find((candidate) => candidate.name === row.name);
    return { name: row.name, postcard: round(row.ssim), reference: round(other?.ssim ?? null), mime: row.mime, bytes: row.bytes, referenceBytes: other?.bytes ?? null };
  });
  byBudget[budget] = {
    postcard,
    reference: referenceSummary,
    stillSsimMedianVsReference: round(postcard.stillSsimMedian - referenceSummary.stillSsimMedian, 5),
    stillSsimMinVsReference: round(postcard.stillSsimMin - referenceSummary.stillSsimMin, 5),
    stillTimeRatio: round(stillMs('postcard') / stillMs('reference'), 3),
    worstVsReference: paired.sort((a, b) => a.postcard - a.reference - (b.postcard - b.reference)).slice(0, 3),
  };
}
const pipelineStills = results.filter((row) => row.method === 'postcard' && row.kind === 'still');
const pipelineAll = results.filter((row) => row.method === 'postcard');
const reportedGap = pipelineStills.filter((row) => row.reportedSsim !== null).map((row) => Math.abs(row.reportedSsim - row.ssim));

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

const at600 = byBudget[600_000].postcard;
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
  reportedSsim: { stills: reportedGap.length, maxDifferenceFromBenchmark: round(reportedGap.length ? Math.max(...reportedGap) : null, 5) },
  targets: {
    ssimMedianAtLeastReferenceAtEveryBudget: BUDGETS.every((budget) => byBudget[budget].stillSsimMedianVsReference >= 0),
    ssimMinAtLeastReferenceAtEveryBudget: BUDGETS.every((budget) => byBudget[budget].stillSsimMinVsReference >= 0),
    timeAtMost1_2xReferenceAtEveryBudget: BUDGETS.every((budget) => byBudget[budget].stillTimeRatio <= 1.2),
    allUnderBudget: pipelineAll.every((row) => row.pass),
    stillSsimMedianAt600kAtLeast098: at600.stillSsimMedian >= 0.98,
    everyAnimationKept: BUDGETS.every((budget) => {
      const [kept, total] = byBudget[budget].postcard.animationsKept.split('/');
      return kept === total;
    }),
    stillMedianAtMost250ms: median(pipelineStills.map((row) => row.ms)) <= 250,
    bombRefusedUnder50ms: Math.max(...bombTimes) < 50,
  },
  machine: { node: process.version, cpus: (await import('node:os')).cpus().length, loadAverage: (await import('node:os')).loadavg().map((value) => round(value, 2)) },
};
// BENCH_ROWS=1 lists every file's time, type and size on stderr.
if (process.env.BENCH_ROWS === "1") for (const row of results) log(`${row.budget} ${row.method.padEnd(9)} ${row.name.padEnd(24)} ${row.ms.toFixed(0).padStart(6)} ms ${row.mime ?? ""} ${row.bytes ?? ""}`);
// Readable on stderr; on stdout, as its last line, one JSON object (what scripts and notes take).
process.stderr.write(`${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report));
