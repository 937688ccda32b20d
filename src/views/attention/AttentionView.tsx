import { useEffect, useLayoutEffect, useMemo, useRef, type CSSProperties } from 'react';
import { applyColormap, COLORMAPS } from '../../features/colormap';
import { massMask, normalise } from '../../features/attention';
import { maskContour } from '../../features/contour';
import { isTensorFile, recipeSuffix, saveBlob } from '../../lib/files';
import {
  fileStemOf,
  pushAlert,
  useApp,
  useImageLabel,
  type ImageEntry,
} from '../../store/app-store';
import {
  attentionLayers,
  requestAttention,
  setAttention,
  useAttention,
  type ColormapName,
} from '../../store/attention';
import { engine } from '../../store/controller';
import { unreachableAttention } from '../../model/model-info';
import { drawPatchCursor, usePatchKeys } from '../shared/patch-keys';
import { focusWhenShown } from '../../lib/focus';
import { drawOverlay, useImage } from '../shared/overlay';
import { captioned, forPrint, inputLine, shareable } from '../shared/captioned';
import { ImageSelect } from '../shared/ImageSelect';
import { useFitBelow } from '../shared/page-fit';
import { attentionStatus, queryName } from './status-line';
import { scaleGradient, scaleWords, share, valueRange, withScaleBar } from './colour-scale';

/** Where the model looks: CLS (or a clicked patch) attention per head, the head mean, registers. */
export function AttentionView() {
  const images = useApp((s) => s.images);
  const info = useApp((s) => s.model.info);
  const a = useAttention();
  const done = useMemo(() => images.filter((i) => i.status === 'done' && i.result), [images]);
  const entry = done.find((i) => i.id === a.imageId) ?? done[0] ?? null;

  useEffect(() => {
    if (entry && a.imageId !== entry.id) setAttention({ imageId: entry.id, query: 0 });
  }, [entry, a.imageId]);
  const reachable = info !== null && unreachableAttention(info) === null;
  useEffect(() => {
    if (entry && reachable) requestAttention();
    // The result itself, not its sizes: features recomputed under other settings (classifier
    // instead of dense, another resolution) may have the same token count and still another input.
  }, [entry?.result, a.imageId, a.layer, a.query, reachable]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!info) return <p className="muted">Load a model to see its attention.</p>;
  // No attention to read: say why, and offer no layers (everything else keeps working).
  const unreachable = unreachableAttention(info);
  if (unreachable) return <p className="notice">{unreachable}</p>;
  const layers = attentionLayers(info);
  if (!entry)
    return <p className="muted">Add images; their attention appears once they have features.</p>;

  // A result from another image, or from a layer no longer asked for, is not shown as current.
  const wanted = a.layer !== null && a.layer < layers ? a.layer : layers - 1;
  const r = a.result?.imageId === entry.id ? a.result : null;
  // The maps shown while another layer (or patch) computes are marked as out of date.
  const stale = r !== null && (a.computing || r.layer !== wanted);
  return (
    <section aria-label="Attention" aria-busy={a.computing} className="attention-view">
      <div className="toolbar">
        <label>
          Image{' '}
          <ImageSelect
            name="Attention image"
            images={done}
            value={entry.id}
            onChange={(id) => setAttention({ imageId: id, query: 0 })}
          />
        </label>
        <label>
          Layer{' '}
          <select
            aria-label="Attention layer"
            value={wanted}
            onChange={(e) => setAttention({ layer: Number(e.target.value) })}
          >
            {Array.from({ length: layers }, (_, l) => (
              <option key={l} value={l}>
                Layer {l + 1}
              </option>
            ))}
          </select>
        </label>
        <label>
          Colormap{' '}
          <select
            aria-label="Colormap"
            value={a.colormap}
            onChange={(e) => setAttention({ colormap: e.target.value as ColormapName })}
          >
            {COLORMAPS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Opacity{' '}
          <input
            type="range"
            aria-label="Attention opacity"
            min={0}
            max={1}
            step={0.05}
            value={a.opacity}
            onChange={(e) => setAttention({ opacity: Number(e.target.value) })}
          />{' '}
          {a.opacity.toFixed(2)}
        </label>
        <label>
          Upsampling{' '}
          <select
            aria-label="Attention upsampling"
            value={a.smooth ? 'smooth' : 'nearest'}
            onChange={(e) => setAttention({ smooth: e.target.value === 'smooth' })}
          >
            <option value="nearest">nearest</option>
            <option value="smooth">smooth</option>
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={a.showContour}
            onChange={(e) => setAttention({ showContour: e.target.checked })}
          />{' '}
          Mask contour
        </label>
        <label
          title={
            'The contour encloses the fewest patches that together hold this share of the map’s ' +
            'attention (the DINO papers’ attention masks).'
          }
        >
          Mask keeps{' '}
          <input
            type="range"
            aria-label="Attention mass kept"
            aria-valuetext={`${Math.round(a.keep * 100)}% of the mass`}
            min={0.05}
            max={1}
            step={0.05}
            value={a.keep}
            onChange={(e) => setAttention({ keep: Number(e.target.value) })}
          />{' '}
          {Math.round(a.keep * 100)}% of the mass
        </label>
      </div>
      {a.error && (
        <p role="alert" className="alert alert-error">
          {a.error}
        </p>
      )}
      <p className="muted" aria-live="polite">
        {attentionStatus({ shown: r, computing: a.computing, layer: wanted, query: a.query })}
      </p>
      {/* Always there (disabled while the query is CLS): a patch clicked on the map does not push
          the map down under the pointer. */}
      <button
        type="button"
        disabled={a.query === 0}
        onClick={() => {
          // The button is disabled with CLS, which would leave focus on nothing (<body>): it
          // moves on to the map, which stays.
          const map = '.attention-main [role=img][tabindex="0"]';
          const shown = document.querySelector<HTMLElement>(map);
          if (shown) shown.focus();
          setAttention({ query: 0 });
          if (!shown) focusWhenShown(map);
        }}
      >
        Back to CLS
      </button>
      {r && (
        <div className={stale ? 'stale' : undefined}>
          <AttentionMaps entry={entry} />
        </div>
      )}
    </section>
  );
}

function AttentionMaps({ entry }: { entry: ImageEntry }) {
  const a = useAttention();
  const name = useImageLabel()(entry);
  const mode = useApp((s) => s.settings.preprocess);
  const resolution = useApp((s) => s.settings.resolution);
  const model = useApp((s) => shareable(s.model.source ?? s.model.info?.fileName ?? null));
  const r = a.result!;
  const main = useRef<HTMLCanvasElement | null>(null);
  const mainBox = useRef<HTMLDivElement | null>(null);
  // Room below the map for its caption and download buttons: the three stay in view together.
  useFitBelow(mainBox, main, 64);
  const n = r.rows * r.cols;
  // Files of two recipes of one image are told apart by name too (see recipeSuffix).
  const recipe = recipeSuffix(entry, mode, resolution);
  const saveNpy = async () => {
    try {
      const out = await engine().call({
        type: 'export',
        imageId: entry.id,
        what: 'attention',
        layer: r.layer,
      }).promise;
      // Every query's rows of this layer: the file names the layer (not a query).
      saveBlob(
        new Blob([out.bytes]),
        `${fileStemOf(entry)}.attention.layer${r.layer + 1}${recipe}.npy`,
      );
    } catch (e) {
      pushAlert({ kind: 'error', message: (e as Error).message, subject: name });
    }
  };
  // A saved map says what it shows (the maps on screen, so the result's layer and query, not
  // the ones being computed), in its caption and in its file name.
  const query = queryName(r.query, r);
  const caption = (what: string, colours: string) => [
    inputLine(name, isTensorFile(entry) ? 'tensor' : mode, resolution, entry.result!),
    `Layer ${r.layer + 1} of ${r.layers} · query: ${query.label} · ${what}`,
    `${colours} · over the photo at ${Math.round(a.opacity * 100)}% opacity`,
    ...(model ? [`Model: ${model}`] : []),
  ];
  const meanRange = valueRange(r.mean);
  const fileName = (kind: string) =>
    `${fileStemOf(entry)}.${kind}.layer${r.layer + 1}.${query.file}${recipe}.png`;
  const savePng = () => {
    if (!main.current) return;
    const colours =
      scaleWords(a.colormap, meanRange) +
      (a.showContour
        ? `; white line: the patches that hold ${Math.round(a.keep * 100)}% of it`
        : '');
    captioned(
      withScaleBar(forPrint(main.current), a.colormap, meanRange),
      caption(`mean over the ${r.heads} heads`, colours),
    )?.toBlob((b) => b && saveBlob(b, fileName('attention')));
  };
  const heads = useRef<HTMLDivElement | null>(null);
  // Every head's map (and the registers'), as drawn, in one labelled sheet.
  const saveHeadsPng = () => {
    // As on screen: the heads, then the registers on rows of their own, each map under its
    // label (a head's says its share of attention to the registers).
    const groups = [...(heads.current?.querySelectorAll('ul') ?? [])].map((list) => ({
      title: list.previousElementSibling?.textContent ?? '',
      maps: [...list.querySelectorAll('li')].flatMap((li) => {
        const canvas = li.querySelector('canvas');
        return canvas ? [{ canvas, label: li.querySelector('small')?.textContent ?? '' }] : [];
      }),
    }));
    const sheet = mapSheet(groups);
    const what =
      r.registers > 0
        ? "each head; the registers' maps are their own attention (head mean), the same for every query"
        : 'each head';
    const colours = `Colours (${a.colormap}): each map from its own lowest patch to its highest`;
    if (sheet)
      captioned(sheet, caption(what, colours))?.toBlob(
        (b) => b && saveBlob(b, fileName('attention-heads')),
      );
  };
  return (
    <>
      <div className="attention-main" ref={mainBox}>
        <AttentionCanvas
          entry={entry}
          values={r.mean}
          label={`Attention map: ${name}`}
          mode={mode}
          contour={a.showContour}
          canvasRef={(el) => (main.current = el)}
          onPatch={(i) => setAttention({ query: 1 + r.registers + i })}
        />
        <div className="row wrap colour-scale">
          <small className="muted">Mean over the {r.heads} heads</small>
          {meanRange && (
            <span className="row" role="img" aria-label={scaleWords(a.colormap, meanRange)}>
              <small aria-hidden="true">{share(meanRange.lo)}</small>
              <span className="scale-bar" style={{ background: scaleGradient(a.colormap) }} />
              <small aria-hidden="true">{share(meanRange.hi)} of the query&apos;s attention</small>
            </span>
          )}
        </div>
        <div className="row wrap">
          {/* Short visible text (the map names the image); the accessible name keeps the name, in
              hidden text rather than an aria-label, which would also answer to the "Attention
              image" label of the image select (a lookup by that label would find two). The whole
              name is hidden text: a hidden part beside the visible one would be read with a space
              before its colon. */}
          <button type="button" disabled={a.computing} onClick={() => void saveNpy()}>
            <span aria-hidden="true">Download attention</span>
            <span className="visually-hidden">Download attention: {name}</span>
          </button>
          <button type="button" onClick={savePng}>
            <span aria-hidden="true">Download attention image</span>
            <span className="visually-hidden">Download attention image: {name}</span>
          </button>
          <button type="button" onClick={saveHeadsPng}>
            <span aria-hidden="true">Download head maps image</span>
            <span className="visually-hidden">Download head maps image: {name}</span>
          </button>
        </div>
      </div>
      <div ref={heads}>
        <h3 className="sub">Heads</h3>
        <ul className="head-grid">
          {Array.from({ length: r.heads }, (_, h) => (
            <li key={h}>
              <AttentionCanvas
                entry={entry}
                values={r.perHead.subarray(h * n, (h + 1) * n)}
                label={`Head ${h + 1} attention: ${name}`}
                mode={mode}
                contour={false}
                onPatch={(i) => setAttention({ query: 1 + r.registers + i })}
                keyboard={false}
              />
              <small>
                Head {h + 1}
                {/* To a tenth, as the status line's share of all attention: 0.5% is not "1%". */}
                {r.registers > 0 ? ` · ${(r.toRegisters[h] * 100).toFixed(1)}% to registers` : ''}
              </small>
            </li>
          ))}
        </ul>
        {r.registers > 0 && (
          <>
            <h3 className="sub">
              Registers: their attention to the patches (mean over the {r.heads} heads)
            </h3>
            <ul className="head-grid">
              {Array.from({ length: r.registers }, (_, k) => (
                <li key={k}>
                  <AttentionCanvas
                    entry={entry}
                    values={r.registerMaps.subarray(k * n, (k + 1) * n)}
                    label={`Register ${k + 1} attention: ${name}`}
                    mode={mode}
                    contour={false}
                    marked={false}
                  />
                  <small>Register {k + 1}</small>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </>
  );
}

interface CanvasProps {
  entry: ImageEntry;
  values: Float32Array;
  label: string;
  mode: 'dense' | 'classifier';
  contour: boolean;
  onPatch?: (patchIndex: number) => void;
  /** Patches can be picked by keyboard here (once per view: the heads repeat the main map). */
  keyboard?: boolean;
  /**
   * The queried patch is outlined (default). Not on the registers' maps: those are the registers'
   * own rows, the same whatever the query.
   */
  marked?: boolean;
  canvasRef?: (el: HTMLCanvasElement | null) => void;
}

function AttentionCanvas(p: CanvasProps) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  const img = useImage(isTensorFile(p.entry) ? null : p.entry.url);
  const { colormap, opacity, smooth, keep, result } = useAttention();
  const r = result!;
  // The patch whose attention these maps show (null for CLS or a register): the result's own
  // query, not one clicked since and still computing.
  const queried = p.marked !== false && r.query > r.registers ? r.query - 1 - r.registers : null;
  const keys = usePatchKeys({ rows: r.rows, cols: r.cols, onPick: (_, to) => p.onPatch?.(to) });
  const { cursor, anchor } = keys;
  // Drawn in the commit (see PcaCanvas): the map never lags the caption beside it by a frame.
  useLayoutEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !p.entry.result) return;
    canvas.width = p.entry.result.inputWidth;
    canvas.height = p.entry.result.inputHeight;
    const rgba = applyColormap(normalise(p.values), colormap);
    const pixels = new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, r.cols, r.rows);
    drawOverlay(ctx, { result: p.entry.result, mode: p.mode, img, pixels, opacity, smooth });
    const sx = canvas.width / r.cols;
    const sy = canvas.height / r.rows;
    if (p.contour) {
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = Math.max(1.5, canvas.width / 200);
      ctx.beginPath();
      for (const [x0, y0, x1, y1] of maskContour(massMask(p.values, keep), r.rows, r.cols)) {
        ctx.moveTo(x0 * sx, y0 * sy);
        ctx.lineTo(x1 * sx, y1 * sy);
      }
      ctx.stroke();
    }
    if (queried !== null) {
      ctx.save();
      ctx.strokeStyle = '#0ff';
      ctx.lineWidth = Math.max(2, canvas.width / 150);
      ctx.strokeRect((queried % r.cols) * sx, Math.floor(queried / r.cols) * sy, sx, sy);
      ctx.restore();
    }
    drawPatchCursor(ctx, { cursor, anchor }, r.cols, sx, sy);
  }, [
    p.values,
    p.entry,
    p.mode,
    p.contour,
    img,
    colormap,
    opacity,
    smooth,
    keep,
    r.cols,
    r.rows,
    queried,
    cursor,
    anchor,
  ]);
  return (
    <canvas
      ref={(el) => {
        ref.current = el;
        p.canvasRef?.(el);
      }}
      role="img"
      aria-label={p.label}
      className="map-canvas"
      style={
        {
          cursor: p.onPatch ? 'crosshair' : undefined,
          // The aspect ratio lets the main map fit the window's height (a portrait photo).
          '--ar': p.entry.result ? p.entry.result.inputWidth / p.entry.result.inputHeight : 1,
        } as CSSProperties
      }
      {...(p.onPatch && p.keyboard !== false ? keys.handlers : {})}
      onClick={(e) => {
        if (!p.onPatch) return;
        const box = e.currentTarget.getBoundingClientRect();
        const col = Math.min(r.cols - 1, Math.floor(((e.clientX - box.left) / box.width) * r.cols));
        const row = Math.min(r.rows - 1, Math.floor(((e.clientY - box.top) / box.height) * r.rows));
        keys.pointed(row * r.cols + col);
        p.onPatch(row * r.cols + col);
      }}
    />
  );
}

interface SheetGroup {
  title: string;
  maps: { canvas: HTMLCanvasElement; label: string }[];
}

/**
 * Groups of canvases (the heads, the registers) on a dark sheet: each group under its title, on
 * rows of its own of up to 6 maps, each map with its label above.
 */
function mapSheet(groups: SheetGroup[]): HTMLCanvasElement | null {
  const first = groups.find((g) => g.maps.length > 0)?.maps[0]?.canvas;
  if (!first) return null;
  const w = first.width;
  const h = first.height;
  const per = Math.min(6, Math.max(...groups.map((g) => g.maps.length)));
  const title = 22;
  const label = 18;
  const gap = 6;
  const rowsOf = (g: SheetGroup) => Math.ceil(g.maps.length / per);
  const sheet = document.createElement('canvas');
  sheet.width = per * (w + gap) + gap;
  sheet.height =
    gap +
    groups.reduce((y, g) => y + (g.maps.length ? title + rowsOf(g) * (h + label + gap) : 0), 0);
  const ctx = sheet.getContext('2d');
  if (!ctx) return null;
  ctx.fillStyle = '#111';
  ctx.fillRect(0, 0, sheet.width, sheet.height);
  let top = gap;
  for (const g of groups) {
    if (g.maps.length === 0) continue;
    ctx.fillStyle = '#aaa';
    ctx.font = 'bold 13px sans-serif';
    ctx.fillText(g.title, gap, top + 15);
    top += title;
    ctx.fillStyle = '#ddd';
    ctx.font = '13px sans-serif';
    g.maps.forEach(({ canvas, label: text }, i) => {
      const x = gap + (i % per) * (w + gap);
      const y = top + Math.floor(i / per) * (h + label + gap);
      ctx.fillText(text, x, y + 13, w);
      ctx.drawImage(canvas, x, y + label, w, h);
    });
    top += rowsOf(g) * (h + label + gap);
  }
  return sheet;
}
