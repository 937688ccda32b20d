/** Categorical colours for clusters and folders (Tableau 10, then evenly spaced hues). */
const TABLEAU = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

export function categoryColour(i: number): string {
  if (i < TABLEAU.length) return TABLEAU[i];
  const hue = (i * 137.508) % 360;
  return `hsl(${hue.toFixed(1)}, 60%, 60%)`;
}

/** The colour as linear-free RGB in [0, 1] (the scene draws colours as given). */
export function categoryRgb(i: number): [number, number, number] {
  const css = categoryColour(i);
  if (css.startsWith('#')) {
    const v = parseInt(css.slice(1), 16);
    return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
  }
  const hue = (i * 137.508) % 360;
  return hslToRgb(hue / 360, 0.6, 0.6);
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const f = (t: number) => {
    const x = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    if (x < 1 / 6) return p + (q - p) * 6 * x;
    if (x < 1 / 2) return q;
    if (x < 2 / 3) return p + (q - p) * (2 / 3 - x) * 6;
    return p;
  };
  return [f(h + 1 / 3), f(h), f(h - 1 / 3)];
}
