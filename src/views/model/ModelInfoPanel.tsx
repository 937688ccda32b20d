import { useState } from 'react';
import { formatBytes } from '../../lib/files';
import { useApp } from '../../store/app-store';

/** The layout's narrow breakpoint (styles.css): the side panel stacks above the views. */
const NARROW = '(max-width: 800px)';

/**
 * A graph input or output as `name: type [dims]`. A free dimension is shown by its name when the
 * export gave it a short one ("batch_size"); exporters also make up names such as
 * "LayerNormalizationlast_hidden_state_dim_2", which say less than what the axis holds.
 */
function tensorText(
  t: { name: string; elemType: string; dims: (number | string)[] },
  axes: string[],
): string {
  const dims = t.dims.map((d, i) =>
    typeof d === 'number' && d > 0
      ? String(d)
      : typeof d === 'string' && d.length <= 16
        ? d
        : (axes[i] ?? '?'),
  );
  return `${t.name}: ${t.elemType} [${dims.join(', ')}]`;
}

/** What the graph says about the model, read without running it, and how the backend checked out. */
export function ModelInfoPanel() {
  const info = useApp((s) => s.model.info);
  const report = useApp((s) => s.model.report);
  const source = useApp((s) => s.model.source);
  const fromCache = useApp((s) => s.model.fromCache);
  const block = useApp((s) => s.model.block);
  const [open, setOpen] = useState(() => !matchMedia(NARROW).matches);
  if (!info || !report) return null;
  const att = info.attention;
  const cached = fromCache ? ' (from browser cache)' : '';
  // A picked file's source is its name: said once.
  const rows: [string, string][] = [
    ...(source && source !== info.fileName
      ? ([
          ['File', info.fileName],
          ['Source', `${source}${cached}`],
        ] as [string, string][])
      : ([['File', `${info.fileName}${cached}`]] as [string, string][])),
    [
      'Size',
      // One file holds its weights (a part of its size, not more); an export with a side file
      // has them there.
      info.externalData.length
        ? `${formatBytes(info.byteLength)} graph + ${formatBytes(info.weightsBytes)} of weights in ${info.externalData.join(', ')}`
        : `${formatBytes(info.byteLength)}, of which ${formatBytes(info.weightsBytes)} weights`,
    ],
    ['Input', tensorText(info.input, ['batch', 'channels', 'height', 'width'])],
    [
      'Tokens output',
      // The last axis is the hidden size, which the graph's weights tell when its name does not.
      tensorText(info.tokens, [
        'batch',
        'tokens',
        info.hiddenSize > 0 ? String(info.hiddenSize) : 'hidden',
      ]),
    ],
    ['Pooled output', info.pooled ? info.pooled.name : 'none (token 0 is CLS)'],
    ['Patch size', String(info.patchSize)],
    ['Hidden size', String(info.hiddenSize)],
    ['Layers', info.numLayers === null ? 'unknown' : String(info.numLayers)],
    [
      'Features',
      block !== null
        ? `block ${block} of ${info.blockOutputs.length}, through the final norm`
        : info.blockOutputs.length > 1
          ? `the output (block ${info.blockOutputs.length}); any block can be chosen`
          : 'the output (its blocks are not told apart in the graph)',
    ],
    ['Heads', info.numHeads === null ? 'unknown' : String(info.numHeads)],
    [
      'Register tokens',
      info.registerTokens === null ? 'found at run time' : String(info.registerTokens),
    ],
    [
      'Attention',
      att.exportedOutputs.length > 0
        ? `exported as outputs (${att.exportedOutputs.length} layers)`
        : att.softmaxOutputs.length > 0
          ? `reachable: ${att.softmaxOutputs.length} Softmax nodes`
          : att.fused
            ? 'fused operator, not reachable'
            : 'not found',
    ],
    ['Variant', `${report.variant}${info.quantized ? ' (quantized ops)' : ''}`],
    ['Opset', `${info.opset} · ${info.producer || 'unknown producer'}`],
    [
      'Backend',
      `${report.backend}${report.backend === 'wasm' ? ` (${report.threads} thread${report.threads === 1 ? '' : 's'})` : ''}` +
        (report.check
          ? ` · checked against WASM: max diff ${report.check.maxAbsDiff.toExponential(1)}, ${report.check.passed ? 'passed' : 'failed'}`
          : ''),
    ],
  ];
  return (
    <section className="panel" aria-labelledby="info-heading">
      {/* Folded by default on narrow screens, where it would push the views a screen down. */}
      <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <h2 id="info-heading">Model details</h2>
        </summary>
        <dl className="info">
          {rows.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </details>
    </section>
  );
}
