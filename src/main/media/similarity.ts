/**
 * SSIM exactly as ssim.js computes it with its defaults, which is what `bench:media` and the
 * tests measure: Wang et al.'s protocol (grey by integer luma; above 256 px an f×f mean filter
 * and every f-th pixel) and ssim.js's 'weber' variant (11×11 box windows from summed-area
 * tables). ssim.js does this with general-purpose matrix code and a callback per pixel, which
 * takes longer on one phone-sized picture than the whole quality search for its rendition; the
 * same arithmetic in flat loops takes a few milliseconds. test/unit/similarity.test.ts holds
 * the two to the same figure.
 */
export function ssimOfPixels(a: Uint8Array, b: Uint8Array, width: number, height: number, channels: number): number {
  // ssim.js takes the factor from min(first width, second height); the two are the same size.
  const factor = Math.max(1, Math.round(Math.min(width, height) / 256));
  const first = downsampledGrey(a, width, height, channels, factor);
  const second = downsampledGrey(b, width, height, channels, factor);
  return weberSsim(first.data, second.data, first.width, first.height);
}

interface Grey {
  data: Int32Array;
  width: number;
  height: number;
}

/** Integer luma, then MATLAB's imfilter(…, 'symmetric', 'same') with an f×f box and every f-th sample, rounded as ssim.js rounds. */
function downsampledGrey(pixels: Uint8Array, width: number, height: number, channels: number, factor: number): Grey {
  const grey = new Int32Array(width * height);
  for (let p = 0, i = 0; p < grey.length; p += 1, i += channels) grey[p] = (77 * pixels[i]! + 150 * pixels[i + 1]! + 29 * pixels[i + 2]! + 128) >> 8;
  if (factor === 1) return { data: grey, width, height };
  const outWidth = Math.ceil(width / factor);
  const outHeight = Math.ceil(height / factor);
  const data = new Int32Array(outWidth * outHeight);
  // ssim.js pads floor(f/2) on each side and, for an even f, drops the last padded row and column.
  const before = Math.floor(factor / 2);
  const mirror = (index: number, size: number) => (index < 0 ? -index - 1 : index >= size ? 2 * size - index - 1 : index);
  const area = factor * factor;
  for (let y = 0; y < outHeight; y += 1) {
    for (let x = 0; x < outWidth; x += 1) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy += 1) {
        const row = mirror(y * factor - before + dy, height) * width;
        for (let dx = 0; dx < factor; dx += 1) sum += grey[row + mirror(x * factor - before + dx, width)]!;
      }
      data[y * outWidth + x] = Math.trunc(sum / area + 0.5);
    }
  }
  return { data, width: outWidth, height: outHeight };
}

const WINDOW = 11;
const L = 255;
const C1 = (0.01 * L) ** 2;
const C2 = (0.03 * L) ** 2;

function weberSsim(x: Int32Array, y: Int32Array, width: number, height: number): number {
  const stride = width + 1;
  const size = stride * (height + 1);
  const sx = new Float64Array(size);
  const sy = new Float64Array(size);
  const sxx = new Float64Array(size);
  const syy = new Float64Array(size);
  const sxy = new Float64Array(size);
  for (let h = 0; h < height; h += 1) {
    for (let w = 0; w < width; w += 1) {
      const a = x[h * width + w]!;
      const b = y[h * width + w]!;
      const o = (h + 1) * stride + w + 1;
      const up = o - stride;
      sx[o] = a + sx[o - 1]! + sx[up]! - sx[up - 1]!;
      sy[o] = b + sy[o - 1]! + sy[up]! - sy[up - 1]!;
      sxx[o] = a * a + sxx[o - 1]! + sxx[up]! - sxx[up - 1]!;
      syy[o] = b * b + syy[o - 1]! + syy[up]! - syy[up - 1]!;
      sxy[o] = a * b + sxy[o - 1]! + sxy[up]! - sxy[up - 1]!;
    }
  }
  const window = (table: Float64Array, h: number, w: number) =>
    table[(h + WINDOW) * stride + w + WINDOW]! - table[h * stride + w + WINDOW]! - table[(h + WINDOW) * stride + w]! + table[h * stride + w]!;
  const count = WINDOW * WINDOW;
  let total = 0;
  let windows = 0;
  for (let h = 0; h + WINDOW <= height; h += 1) {
    for (let w = 0; w + WINDOW <= width; w += 1) {
      const meanX = window(sx, h, w) / count;
      const meanY = window(sy, h, w) / count;
      // ssim.js keeps variances as whole 1/1024ths (an Int32Array); so does this.
      const varX = Math.trunc(1024 * (window(sxx, h, w) / count - meanX * meanX)) / 1024;
      const varY = Math.trunc(1024 * (window(syy, h, w) / count - meanY * meanY)) / 1024;
      const cov = Math.trunc(1024 * (window(sxy, h, w) / count - meanX * meanY)) / 1024;
      total += ((2 * meanX * meanY + C1) * (2 * cov + C2)) / (meanX * meanX + meanY * meanY + C1) / (varX + varY + C2);
      windows += 1;
    }
  }
  return total / windows;
}
