/** Saved map images with a caption band above, as the Attention and PCA views export them. */

/**
 * `canvas` under a band of caption lines, each wrapped to the canvas's width (a long model URL
 * has no spaces, so a word wider than the band is cut where it fills a line).
 */
export function captioned(canvas: HTMLCanvasElement, lines: string[]): HTMLCanvasElement | null {
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  if (!ctx) return null;
  const font = '13px sans-serif';
  const pad = 6;
  const lineHeight = 17;
  ctx.font = font;
  const room = Math.max(1, canvas.width - 2 * pad);
  const wrapped: string[] = [];
  for (const line of lines) {
    let cur = '';
    for (const word of line.split(' ')) {
      const next = cur ? `${cur} ${word}` : word;
      if (ctx.measureText(next).width <= room || !cur) cur = next;
      else {
        wrapped.push(cur);
        cur = word;
      }
      while (ctx.measureText(cur).width > room && cur.length > 1) {
        let fit = cur.length - 1;
        while (fit > 1 && ctx.measureText(cur.slice(0, fit)).width > room) fit--;
        wrapped.push(cur.slice(0, fit));
        cur = cur.slice(fit);
      }
    }
    wrapped.push(cur);
  }
  const band = wrapped.length * lineHeight + 2 * pad;
  out.width = canvas.width;
  out.height = canvas.height + band;
  // (Resizing the canvas reset the context.)
  ctx.fillStyle = '#111';
  ctx.fillRect(0, 0, out.width, band);
  ctx.fillStyle = '#ddd';
  ctx.font = font;
  ctx.textBaseline = 'top';
  wrapped.forEach((l, i) => ctx.fillText(l, pad, pad + i * lineHeight + 2));
  ctx.drawImage(canvas, 0, band);
  return out;
}

/**
 * The model as a saved image may name it: a URL without its query or fragment, which can hold a
 * signed link's token that should not travel with a picture.
 */
export function shareable(source: string | null): string | null {
  if (!source || !/^https?:/i.test(source)) return source;
  try {
    const u = new URL(source);
    return u.origin + u.pathname;
  } catch {
    return source;
  }
}

/** The long side a saved map is enlarged to, at least: a 224 px map is small in a printed figure. */
const PRINT_SIDE = 640;

/**
 * `canvas` enlarged by the whole factor that brings its long side to PRINT_SIDE or more, without
 * smoothing, so each patch stays a sharp block (the canvas itself when already that large).
 */
export function forPrint(canvas: HTMLCanvasElement): HTMLCanvasElement {
  const k = Math.ceil(PRINT_SIDE / Math.max(canvas.width, canvas.height));
  if (k <= 1) return canvas;
  const out = document.createElement('canvas');
  out.width = canvas.width * k;
  out.height = canvas.height * k;
  const ctx = out.getContext('2d');
  if (!ctx) return canvas;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(canvas, 0, 0, out.width, out.height);
  return out;
}

/**
 * The image's name with the input the model saw, for a saved figure's first caption line: maps
 * of one photo at two resolutions (or the classifier crop) are then told apart on the page.
 */
export function inputLine(
  name: string,
  mode: 'dense' | 'classifier' | 'tensor',
  resolution: number,
  result: { inputWidth: number; inputHeight: number },
): string {
  const size = `${result.inputWidth}×${result.inputHeight} px input`;
  // A model input given as .npy was run as it is: no recipe made it.
  if (mode === 'tensor') return `${name} · model input as given (${size})`;
  return mode === 'classifier'
    ? `${name} · classifier centre crop (${size})`
    : `${name} · dense, short side ${resolution} (${size})`;
}
