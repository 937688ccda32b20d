import { useApp } from '../../store/app-store';
import { useIndexing } from '../../store/indexer';
import { useStorage } from '../../store/collection';

/**
 * The one live status line (role `status`): what is loading, or which model is ready on which
 * backend. Tests and screen readers read it; keep its vocabulary stable
 * ("ready", the backend, "patch N", "registers N").
 */
export function StatusLine() {
  const model = useApp((s) => s.model);
  const images = useApp((s) => s.images);
  const running = useIndexing((s) => s.running);
  const paused = useIndexing((s) => s.paused);
  const previous = useStorage((s) => s.previousModel);
  let text: string;
  if (model.loading) {
    text = `${model.stage ?? `Loading ${model.loading}`}…`;
  } else if (model.status === 'ready' && model.info && model.report) {
    const i = model.info;
    const registers = i.registerTokens ?? images.find((im) => im.result)?.result?.registers ?? '?';
    const pending = images.filter((im) => im.status === 'queued').length;
    const count = `${pending} image${pending > 1 ? 's' : ''}`;
    text =
      `Model ready on ${model.report.backend}: ${i.fileName}, patch ${i.patchSize}, ` +
      `registers ${registers}, dim ${i.hiddenSize}` +
      (model.block === null ? '' : `, features from block ${model.block}`) +
      // Only while indexing runs: images left unindexed (cancelled) are not being computed.
      (pending > 0 && running
        ? paused
          ? ` · indexing paused, ${count} left`
          : // Not "computing": many may come from this browser's storage (their cards say so).
            ` · indexing ${count}`
        : '');
  } else if (previous && images.some((im) => im.status !== 'done')) {
    // Its files were not kept (no consent): the user must pick them, and should know which.
    text =
      `No model loaded. The collection's features were last computed with ${previous}: pick ` +
      'that file again (Model file) to get them back without recomputing, or load another model.';
  } else {
    text = 'No model loaded. Pick a DINOv2 ONNX file or a catalogue model.';
  }
  return (
    <p role="status" className="status-line" aria-live="polite">
      {text}
    </p>
  );
}
