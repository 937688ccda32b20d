/**
 * What an attention map's colours stand for. Each map is scaled to its own range (a head that
 * looks at one patch and a head that looks everywhere both use the whole colormap), so a figure
 * without the range says nothing of how much attention a colour is: the view and the saved PNG
 * say it.
 */
import { colormapLut, type ColormapName } from '../../features/colormap';

/** The finite range of a map's values (null when none is finite): the one normalise scales. */
export { finiteRange as valueRange } from '../../features/attention';

/** An attention probability as a share of the query's attention: 0.0042 -> "0.42%". */
export function share(v: number): string {
  const pct = v * 100;
  return `${pct >= 10 ? pct.toFixed(1) : pct.toPrecision(2)}%`;
}

/** The scale in words: for the caption of a saved map, and the scale's accessible name. */
export function scaleWords(
  colormap: ColormapName,
  range: { lo: number; hi: number } | null,
): string {
  if (!range) return `Colours (${colormap}): no finite values`;
  if (!(range.hi > range.lo)) {
    return `Colours (${colormap}): every patch ${share(range.lo)} of the query's attention`;
  }
  return (
    `Colours (${colormap}): ${share(range.lo)} (low end) to ${share(range.hi)} (high end) of ` +
    "the query's attention per patch"
  );
}

/** A horizontal bar of the colormap, `width` x `height` px, low end on the left. */
export function drawScaleBar(
  ctx: CanvasRenderingContext2D,
  colormap: ColormapName,
  x: number,
  y: number,
  width: number,
  height: number,
): void {
  const lut = colormapLut(colormap);
  for (let i = 0; i < width; i++) {
    const j = Math.round((i / Math.max(1, width - 1)) * 255) * 3;
    ctx.fillStyle = `rgb(${lut[j]},${lut[j + 1]},${lut[j + 2]})`;
    ctx.fillRect(x + i, y, 1, height);
  }
}

/**
 * `canvas` above a band with the colour bar and its two ends' values, as a saved map shows it
 * (the caption, added after, says which map and how it is scaled).
 */
export function withScaleBar(
  canvas: HTMLCanvasElement,
  colormap: ColormapName,
  range: { lo: number; hi: number } | null,
): HTMLCanvasElement {
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  if (!ctx || !range) return canvas;
  const pad = 6;
  const bar = 12;
  const text = 17;
  out.width = canvas.width;
  out.height = canvas.height + pad + bar + text + pad;
  ctx.drawImage(canvas, 0, 0);
  ctx.fillStyle = '#111';
  ctx.fillRect(0, canvas.height, out.width, out.height - canvas.height);
  const barWidth = Math.max(1, Math.min(256, out.width - 2 * pad));
  drawScaleBar(ctx, colormap, pad, canvas.height + pad, barWidth, bar);
  ctx.fillStyle = '#ddd';
  ctx.font = '13px sans-serif';
  ctx.textBaseline = 'top';
  const y = canvas.height + pad + bar + 3;
  ctx.fillText(share(range.lo), pad, y);
  const hi = share(range.hi);
  ctx.fillText(hi, pad + barWidth - ctx.measureText(hi).width, y);
  return out;
}

/** The colormap as a CSS gradient, low end on the left (for the scale beside a map). */
export function scaleGradient(colormap: ColormapName): string {
  const lut = colormapLut(colormap);
  const stops = Array.from({ length: 11 }, (_, k) => {
    const j = Math.round((k / 10) * 255) * 3;
    return `rgb(${lut[j]}, ${lut[j + 1]}, ${lut[j + 2]}) ${k * 10}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
