/**
 * Best buddies between two images: the strongest mutual nearest neighbours of their patches,
 * drawn as lines between the two photos side by side.
 */
import { useLayoutEffect, useRef } from 'react';
import type { CorrespondResult, EmbedResult, PreprocessMode } from '../../engine/protocol';
import { drawOverlay, useImage } from '../shared/overlay';
import { runCorrespond, setCorrespondSettings, setSearch, useSearch } from '../../store/search';
import { NumberField } from '../shared/NumberField';
import { ImageSelect } from '../shared/ImageSelect';

interface Img {
  id: string;
  name: string;
  url: string | null;
  result: EmbedResult;
}

export function Correspondences({ images, mode }: { images: Img[]; mode: PreprocessMode }) {
  const s = useSearch();
  const a = images.find((i) => i.id === s.correspondA) ?? null;
  const b = images.find((i) => i.id === s.correspondB) ?? null;
  const c = s.correspondence;
  const current = c && a && b && c.a.imageId === a.id && c.b.imageId === b.id ? c : null;
  if (images.length < 2) return null;
  const pick = (which: 'correspondA' | 'correspondB', label: string) => (
    <label>
      {label}{' '}
      <ImageSelect
        name={label}
        images={images}
        value={s[which] ?? ''}
        onChange={(id) => setSearch({ [which]: id || null, correspondence: null })}
        placeholder="choose…"
      />
    </label>
  );
  return (
    <section aria-label="Correspondences" className="correspondences">
      <h3 className="sub">Correspondences (mutual nearest patches)</h3>
      <div className="toolbar">
        {pick('correspondA', 'Image A')}
        {pick('correspondB', 'Image B')}
        <NumberField
          label="Pairs"
          name="Pairs to draw"
          min={1}
          max={500}
          value={s.correspondCount}
          onChange={(n) => setCorrespondSettings({ correspondCount: n })}
        />
        {/* Its own fixed recipe, not the PCA view's settings: said where it is chosen. */}
        <label title="Foreground: the patches whose first PCA component, of each image on its own, is above 0.5 on its min-max scale (the side kept is chosen as in the PCA view's auto). Only these patches are paired.">
          <input
            type="checkbox"
            checked={s.foregroundOnly}
            onChange={(e) => setCorrespondSettings({ foregroundOnly: e.target.checked })}
          />{' '}
          Foreground only
        </label>
        <button type="button" disabled={!a || !b} onClick={() => runCorrespond()}>
          Find correspondences
        </button>
      </div>
      {a && b && a.id === b.id && (
        <p className="notice">
          Image A and Image B are the same picture: every patch is its own best buddy (cosine 1),
          which only checks the pairing. Pick two different images to see what matches.
        </p>
      )}
      {current && a && b && (
        <>
          <p className="muted">
            {current.mutual} mutual nearest neighbours
            {s.correspondedWith?.foregroundOnly
              ? " on the foreground (each image's own first PCA component above 0.5)"
              : ''}
            ;{' '}
            {current.scores.length === 1
              ? 'the strongest is drawn'
              : `the strongest ${current.scores.length} are drawn`}{' '}
            (cosine{' '}
            {current.scores.length > 0
              ? `${current.scores[current.scores.length - 1].toFixed(2)} to ${current.scores[0].toFixed(2)}`
              : 'n/a'}
            ).
          </p>
          <PairCanvas a={a} b={b} c={current} mode={mode} />
        </>
      )}
    </section>
  );
}

function PairCanvas({
  a,
  b,
  c,
  mode,
}: {
  a: Img;
  b: Img;
  c: CorrespondResult;
  mode: PreprocessMode;
}) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  const imgA = useImage(a.url);
  const imgB = useImage(b.url);
  const height = 320;
  const wa = Math.round((a.result.inputWidth / a.result.inputHeight) * height);
  const wb = Math.round((b.result.inputWidth / b.result.inputHeight) * height);
  const gap = 24;
  // Drawn in the commit (see PcaCanvas): the canvas never shows the previous values a frame
  // after the text beside it changed.
  useLayoutEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = wa + gap + wb;
    canvas.height = height;
    ctx.fillStyle = '#111';
    ctx.fillRect(0, 0, canvas.width, height);
    for (const [im, img, x, w] of [
      [a, imgA, 0, wa],
      [b, imgB, wa + gap, wb],
    ] as const) {
      const part = new OffscreenCanvas(w, height);
      const pctx = part.getContext('2d')! as unknown as CanvasRenderingContext2D;
      const empty = new ImageData(im.result.cols, im.result.rows);
      drawOverlay(pctx, { result: im.result, mode, img, pixels: empty, opacity: 0, smooth: false });
      ctx.drawImage(part, x, 0);
    }
    const n = c.scores.length;
    const centre = (p: number, grid: { rows: number; cols: number }, x0: number, w: number) => [
      x0 + ((p % grid.cols) + 0.5) * (w / grid.cols),
      (Math.floor(p / grid.cols) + 0.5) * (height / grid.rows),
    ];
    ctx.lineWidth = 1.5;
    for (let k = n - 1; k >= 0; k--) {
      const [x1, y1] = centre(c.pairs[2 * k], c.a, 0, wa);
      const [x2, y2] = centre(c.pairs[2 * k + 1], c.b, wa + gap, wb);
      ctx.strokeStyle = `hsl(${Math.round((k / Math.max(1, n)) * 300)}, 90%, 55%)`;
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
      ctx.stroke();
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fillRect(x1 - 2, y1 - 2, 4, 4);
      ctx.fillRect(x2 - 2, y2 - 2, 4, 4);
    }
  }, [a, b, c, imgA, imgB, mode, wa, wb]);
  return (
    <canvas
      ref={ref}
      role="img"
      aria-label={`Correspondences: ${a.name} and ${b.name}`}
      className="pair-canvas"
      style={{
        width: wa + gap + wb,
        maxWidth: '100%',
        height: 'auto',
        aspectRatio: `${wa + gap + wb} / ${height}`,
      }}
    />
  );
}
