/**
 * Colour lookup tables for heatmaps. viridis and inferno are built from 52 anchors of matplotlib's
 * 256-entry tables (entries 0, 5, 10, ..., 255, as 8-bit sRGB) linearly interpolated; every
 * entry is within 1 unit of matplotlib's (exact at the anchors).
 */

export const COLORMAPS = ['viridis', 'inferno', 'grey'] as const;
export type ColormapName = (typeof COLORMAPS)[number];

/** Matplotlib entries 0, 5, ..., 255 as concatenated `rrggbb`. */
const ANCHORS: Record<Exclude<ColormapName, 'grey'>, string> = {
  viridis:
    '44015446085c471063481769481d6f482475472a7a46307e453781433d844142873f48893d4e8a' +
    '3a538b38598c355e8d33638d31688e2e6d8e2c718e2a768e297b8e27808e25848e23898e218e8d' +
    '20928c1f978b1e9c891fa18821a58524aa8328ae802eb37c35b7793dbc7446c06f50c46a5ac864' +
    '65cb5e70cf577cd25089d54895d840a2da37b0dd2fbddf26cae11fd8e219e5e419f1e51dfde725',
  inferno:
    '00000402020c0504170a072210092d160b391e0c45260c512f0a5b380962400a67490b6a510e6c' +
    '59106e61136e69166e71196e781c6d801f6c88226a902568982766a02a63a82e5fb0315bb73557' +
    'bf3952c63d4dcc4248d34743d94d3ddf5337e45a31e9612bed6925f1711ff47918f78212f98b0b' +
    'fa9407fb9d07fca60cfcb014fbba1ffac42af8cd37f6d746f4e156f2ea69f2f27df5f992fcffa4',
};

const STEP = 5;

function build(name: ColormapName): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  if (name === 'grey') {
    for (let i = 0; i < 256; i++) lut[i * 3] = lut[i * 3 + 1] = lut[i * 3 + 2] = i;
    return lut;
  }
  const hex = ANCHORS[name];
  const anchor = (k: number, c: number) =>
    parseInt(hex.slice(k * 6 + c * 2, k * 6 + c * 2 + 2), 16);
  for (let i = 0; i < 256; i++) {
    const k = Math.min(Math.floor(i / STEP), 255 / STEP - 1);
    const f = (i - k * STEP) / STEP;
    for (let c = 0; c < 3; c++) {
      lut[i * 3 + c] = Math.round(anchor(k, c) * (1 - f) + anchor(k + 1, c) * f);
    }
  }
  return lut;
}

const cache = new Map<ColormapName, Uint8Array>();

function lutFor(name: ColormapName): Uint8Array {
  let lut = cache.get(name);
  if (!lut) {
    if (!COLORMAPS.includes(name)) throw new Error(`Unknown colormap "${String(name)}".`);
    lut = build(name);
    cache.set(name, lut);
  }
  return lut;
}

/** The 256-entry RGB table of a colormap, `[256 * 3]` (a fresh copy; entry i is for value i/255). */
export function colormapLut(name: ColormapName): Uint8Array {
  return lutFor(name).slice();
}

/**
 * Colour values in [0, 1] into RGBA (alpha 255). Values are clamped to [0, 1] and rounded to the
 * nearest of the 256 entries; NaN becomes transparent black. `out`, when given, must hold
 * `values01.length * 4` bytes and is filled and returned.
 */
export function applyColormap(
  values01: Float32Array,
  name: ColormapName,
  out?: Uint8ClampedArray,
): Uint8ClampedArray {
  const n = values01.length;
  const rgba = out ?? new Uint8ClampedArray(n * 4);
  if (rgba.length !== n * 4) {
    throw new Error(`Output holds ${rgba.length} bytes, expected ${n * 4} for ${n} values.`);
  }
  const lut = lutFor(name);
  for (let i = 0; i < n; i++) {
    const v = values01[i];
    const o = i * 4;
    if (Number.isNaN(v)) {
      rgba[o] = rgba[o + 1] = rgba[o + 2] = rgba[o + 3] = 0;
      continue;
    }
    const j = Math.round((v <= 0 ? 0 : v >= 1 ? 1 : v) * 255) * 3;
    rgba[o] = lut[j];
    rgba[o + 1] = lut[j + 1];
    rgba[o + 2] = lut[j + 2];
    rgba[o + 3] = 255;
  }
  return rgba;
}
