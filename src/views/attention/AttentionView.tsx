import { useEffect, useMemo, useRef } from 'react';
import { applyColormap, COLORMAPS } from '../../features/colormap';
import { massMask, normalise } from '../../features/attention';
import { maskContour } from '../../features/contour';
import { isTensorFile, saveBlob, stem } from '../../lib/files';
import { pushAlert, useApp, type ImageEntry } from '../../store/app-store';
import {
  attentionLayers,
  requestAttention,
  setAttention,
  useAttention,
  type ColormapName,
} from '../../store/attention';
import { engine } from '../../store/controller';
import { drawOverlay, useImage } from '../shared/overlay';
import { ImageSelect } from '../shared/ImageSelect';

/** Where the model looks: CLS (or a clicked patch) attention per head, the head mean, registers. */
export function AttentionView() {
  const images = useApp((s) => s.images);
  const info = useApp((s) => s.model.info);
  const a = useAttention();
  const done = useMemo(() => images.filter((i) => i.status === 'done' && i.result), [images]);
  const entry = done.find((i) => i.id === a.imageId) ?? done[0] ?? null;
  const resultKey = entry?.result
    ? `${entry.id}:${entry.result.tokens}:${entry.result.timings.inferenceMs}`
    : '';

  useEffect(() => {
    if (entry && a.imageId !== entry.id) setAttention({ imageId: entry.id, query: 0 });
  }, [entry, a.imageId]);
  useEffect(() => {
    if (entry) requestAttention();
  }, [resultKey, a.imageId, a.layer, a.query]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!info) return <p className="muted">Load a model to see its attention.</p>;
  const layers = attentionLayers(info);
  if (!entry)
    return <p className="muted">Add images; their attention appears once they have features.</p>;

  // A result from another image, or from a layer no longer asked for, is not shown as current.
  const wanted = a.layer !== null && a.layer < layers ? a.layer : layers - 1;
  const r = a.result?.imageId === entry.id ? a.result : null;
  const queryLabel =
    a.query === 0
      ? 'CLS'
      : r
        ? `patch (row ${Math.floor((a.query - 1 - r.registers) / r.cols) + 1}, column ${((a.query - 1 - r.registers) % r.cols) + 1})`
        : 'patch';

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
          />
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
          Mask keeping{' '}
          <input
            type="range"
            aria-label="Attention mass kept"
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
        {r
          ? `Layer ${r.layer + 1} of ${r.layers}, ${r.heads} heads, attention of ${queryLabel}` +
            (r.registers > 0
              ? ` · ${(r.massToRegisters * 100).toFixed(1)}% of all attention goes to the ${r.registers} registers`
              : '') +
            (a.query !== 0 ? '' : ' · click a patch to see its attention')
          : a.computing
            ? 'Computing attention…'
            : ''}
      </p>
      {a.query !== 0 && (
        <button type="button" onClick={() => setAttention({ query: 0 })}>
          Back to CLS
        </button>
      )}
      {r && <AttentionMaps entry={entry} />}
    </section>
  );
}

function AttentionMaps({ entry }: { entry: ImageEntry }) {
  const a = useAttention();
  const mode = useApp((s) => s.settings.preprocess);
  const r = a.result!;
  const main = useRef<HTMLCanvasElement | null>(null);
  const n = r.rows * r.cols;
  const saveNpy = async () => {
    try {
      const out = await engine().call({
        type: 'export',
        imageId: entry.id,
        what: 'attention',
        layer: r.layer,
      }).promise;
      saveBlob(new Blob([out.bytes]), `${stem(entry.name)}.attention.npy`);
    } catch (e) {
      pushAlert({ kind: 'error', message: (e as Error).message, subject: entry.name });
    }
  };
  const savePng = () =>
    main.current?.toBlob((b) => b && saveBlob(b, `${stem(entry.name)}.attention.png`));
  return (
    <>
      <div className="attention-main">
        <AttentionCanvas
          entry={entry}
          values={r.mean}
          label={`Attention map: ${entry.name}`}
          mode={mode}
          contour={a.showContour}
          canvasRef={(el) => (main.current = el)}
          onPatch={(i) => setAttention({ query: 1 + r.registers + i })}
        />
        <div className="row wrap">
          <button type="button" disabled={a.computing} onClick={() => void saveNpy()}>
            Download attention: {entry.name}
          </button>
          <button type="button" onClick={savePng}>
            Download attention image: {entry.name}
          </button>
        </div>
      </div>
      <h3 className="sub">Heads</h3>
      <ul className="head-grid">
        {Array.from({ length: r.heads }, (_, h) => (
          <li key={h}>
            <AttentionCanvas
              entry={entry}
              values={r.perHead.subarray(h * n, (h + 1) * n)}
              label={`Head ${h + 1} attention: ${entry.name}`}
              mode={mode}
              contour={false}
              onPatch={(i) => setAttention({ query: 1 + r.registers + i })}
            />
            <small>
              Head {h + 1}
              {r.registers > 0 ? ` · ${(r.toRegisters[h] * 100).toFixed(0)}% to registers` : ''}
            </small>
          </li>
        ))}
      </ul>
      {r.registers > 0 && (
        <>
          <h3 className="sub">Registers: their attention to the patches</h3>
          <ul className="head-grid">
            {Array.from({ length: r.registers }, (_, k) => (
              <li key={k}>
                <AttentionCanvas
                  entry={entry}
                  values={r.registerMaps.subarray(k * n, (k + 1) * n)}
                  label={`Register ${k + 1} attention: ${entry.name}`}
                  mode={mode}
                  contour={false}
                />
                <small>Register {k + 1}</small>
              </li>
            ))}
          </ul>
        </>
      )}
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
  canvasRef?: (el: HTMLCanvasElement | null) => void;
}

function AttentionCanvas(p: CanvasProps) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  const img = useImage(isTensorFile(p.entry) ? null : p.entry.url);
  const { colormap, opacity, smooth, keep, result } = useAttention();
  const r = result!;
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !p.entry.result) return;
    canvas.width = p.entry.result.inputWidth;
    canvas.height = p.entry.result.inputHeight;
    const rgba = applyColormap(normalise(p.values), colormap);
    const pixels = new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, r.cols, r.rows);
    drawOverlay(ctx, { result: p.entry.result, mode: p.mode, img, pixels, opacity, smooth });
    if (p.contour) {
      const sx = canvas.width / r.cols;
      const sy = canvas.height / r.rows;
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = Math.max(1.5, canvas.width / 200);
      ctx.beginPath();
      for (const [x0, y0, x1, y1] of maskContour(massMask(p.values, keep), r.rows, r.cols)) {
        ctx.moveTo(x0 * sx, y0 * sy);
        ctx.lineTo(x1 * sx, y1 * sy);
      }
      ctx.stroke();
    }
  }, [p.values, p.entry, p.mode, p.contour, img, colormap, opacity, smooth, keep, r.cols, r.rows]);
  return (
    <canvas
      ref={(el) => {
        ref.current = el;
        p.canvasRef?.(el);
      }}
      role="img"
      aria-label={p.label}
      className="map-canvas"
      style={{ cursor: p.onPatch ? 'crosshair' : undefined }}
      onClick={(e) => {
        if (!p.onPatch) return;
        const box = e.currentTarget.getBoundingClientRect();
        const col = Math.min(r.cols - 1, Math.floor(((e.clientX - box.left) / box.width) * r.cols));
        const row = Math.min(r.rows - 1, Math.floor(((e.clientY - box.top) / box.height) * r.rows));
        p.onPatch(row * r.cols + col);
      }}
    />
  );
}
