/**
 * SSIM exactly as ssim.js computes it with its defaults, which is what `bench:media` and the
 * tests measure: Wang et al.'s protocol (grey by integer luma; above 256 px an f×f mean filter
 * and every f-th pixel) and ssim.js's 'weber' variant (11×11 box windows from summed-area
 * tables). ssim.js does this with general-purpose matrix code and a callback per pixel, which
 * takes longer on one phone-sized picture than the whole quality search for its rendition; the
 * same arithmetic in flat loops takes a few milliseconds. test/unit/similarity.test.ts holds
 * the two to the same figure.
 */
export function ssimOfPixels(a: Uint8Array, b: Uint8Array, width: number, height: number, channels: number, channelsOfB = channels): number {
  // ssim.js takes the factor from min(first width, second height); the two are the same size.
  const factor = Math.max(1, Math.round(Math.min(width, height) / 256));
  const first = downsampledGrey(a, width, height, channels, factor);
  const second = downsampledGrey(b, width, height, channelsOfB, factor);
  return weberSsim(first.data, second.data, first.width, first.height);
}

interface Grey {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Integer luma, then MATLAB's imfilter(…, 'symmetric', 'same') with an f×f box and every f-th
 * sample, rounded as ssim.js rounds. One output row at a time, from the f source rows it covers:
 * no full-size grey copy is made, which on a phone-sized picture costs more than the sums.
 */
function downsampledGrey(pixels: Uint8Array, width: number, height: number, channels: number, factor: number): Grey {
  const outWidth = Math.ceil(width / factor);
  const outHeight = Math.ceil(height / factor);
  // ssim.js pads floor(f/2) on each side and, for an even f, drops the last padded row and column.
  const before = factor === 1 ? 0 : Math.floor(factor / 2);
  const mirror = (index: number, size: number) => (index < 0 ? -index - 1 : index >= size ? 2 * size - index - 1 : index);
  const lumaAt = (i: number) => (77 * pixels[i]! + 150 * pixels[i + 1]! + 29 * pixels[i + 2]! + 128) >> 8;
  const sums = new Int32Array(outWidth);
  const data = new Uint8Array(outWidth * outHeight);
  const area = factor * factor;
  for (let y = 0; y < outHeight; y += 1) {
    sums.fill(0);
    for (let dy = 0; dy < factor; dy += 1) {
      const row = mirror(y * factor - before + dy, height) * width;
      for (let x = 0; x < outWidth; x += 1) {
        const first = x * factor - before;
        let sum = 0;
        if (first >= 0 && first + factor <= width) {
          for (let c = 0, i = (row + first) * channels; c < factor; c += 1, i += channels) sum += (77 * pixels[i]! + 150 * pixels[i + 1]! + 29 * pixels[i + 2]! + 128) >> 8;
        } else {
          for (let k = first; k < first + factor; k += 1) sum += lumaAt((row + mirror(k, width)) * channels);
        }
        sums[x]! += sum;
      }
    }
    const out = y * outWidth;
    for (let x = 0; x < outWidth; x += 1) data[out + x] = factor === 1 ? sums[x]! : Math.trunc(sums[x]! / area + 0.5);
  }
  return { data, width: outWidth, height: outHeight };
}

const WINDOW = 11;
const L = 255;
const C1 = (0.01 * L) ** 2;
const C2 = (0.03 * L) ** 2;

/**
 * The mean of SSIM over every 11×11 window. Each window's sums come from per-column sums over
 * the window's rows, slid across and then down: the same whole numbers ssim.js's summed-area
 * tables give (so the same figure), without five tables the size of the picture.
 */
function weberSsim(x: Uint8Array, y: Uint8Array, width: number, height: number): number {
  const columnX = new Int32Array(width);
  const columnY = new Int32Array(width);
  const columnXX = new Int32Array(width);
  const columnYY = new Int32Array(width);
  const columnXY = new Int32Array(width);
  const addRow = (row: number, sign: 1 | -1) => {
    for (let w = 0, o = row * width; w < width; w += 1, o += 1) {
      const a = x[o]!;
      const b = y[o]!;
      columnX[w]! += sign * a;
      columnY[w]! += sign * b;
      columnXX[w]! += sign * a * a;
      columnYY[w]! += sign * b * b;
      columnXY[w]! += sign * a * b;
    }
  };
  const count = WINDOW * WINDOW;
  let total = 0;
  let windows = 0;
  for (let row = 0; row < Math.min(WINDOW, height); row += 1) addRow(row, 1);
  for (let h = 0; h + WINDOW <= height; h += 1) {
    if (h > 0) {
      addRow(h - 1, -1);
      addRow(h + WINDOW - 1, 1);
    }
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let w = 0; w < WINDOW && w < width; w += 1) {
      sx += columnX[w]!;
      sy += columnY[w]!;
      sxx += columnXX[w]!;
      syy += columnYY[w]!;
      sxy += columnXY[w]!;
    }
    for (let w = 0; w + WINDOW <= width; w += 1) {
      if (w > 0) {
        const out = w - 1;
        const into = w + WINDOW - 1;
        sx += columnX[into]! - columnX[out]!;
        sy += columnY[into]! - columnY[out]!;
        sxx += columnXX[into]! - columnXX[out]!;
        syy += columnYY[into]! - columnYY[out]!;
        sxy += columnXY[into]! - columnXY[out]!;
      }
      const meanX = sx / count;
      const meanY = sy / count;
      // ssim.js keeps variances as whole 1/1024ths (an Int32Array); so does this.
      const varX = Math.trunc(1024 * (sxx / count - meanX * meanX)) / 1024;
      const varY = Math.trunc(1024 * (syy / count - meanY * meanY)) / 1024;
      const cov = Math.trunc(1024 * (sxy / count - meanX * meanY)) / 1024;
      total += ((2 * meanX * meanY + C1) * (2 * cov + C2)) / (meanX * meanX + meanY * meanY + C1) / (varX + varY + C2);
      windows += 1;
    }
  }
  return total / windows;
}
