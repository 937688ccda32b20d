/**
 * Features from a block before the last: the model is rewritten in memory (appended bytes, see
 * addBlockTokens) so that its token output is that block's, through the final norm, and every
 * path after that (sized sessions, the WebGPU check, the layout probe) runs it as it runs any
 * model.
 */
import { addBlockTokens } from '../model/rewrite';
import type { ModelInfo } from '../model/model-info';
import type { ModelBytes } from './session';

export interface BlockChoice {
  /** What the sessions run: `info.tokens` names the chosen block's output. */
  info: ModelInfo;
  bytes: ModelBytes;
  /**
   * The model's files as given. With a rewrite, a view of its first bytes (the rewrite only
   * appends), so a large model is not held twice.
   */
  files: ModelBytes;
  /** The block the features come from (1-based), or null for the model's own output. */
  block: number | null;
  /** Why the block asked for is not used, for the user. */
  notice: string | null;
}

export function chooseBlock(
  info: ModelInfo,
  bytes: ModelBytes,
  block: number | null | undefined,
): BlockChoice {
  const blocks = info.blockOutputs.length;
  const asIs = (notice: string | null): BlockChoice => ({
    info,
    bytes,
    files: bytes,
    block: null,
    notice,
  });
  // The last block is the model's own output: nothing to add.
  // (Absent too: a caller from before blocks could be chosen.)
  if (block === null || block === undefined || block === blocks) return asIs(null);
  const name = `"${info.fileName}"`;
  if (blocks === 0) {
    return asIs(
      `The blocks of ${name} could not be told apart in its graph, so features come from its ` +
        'output (the last block) only.',
    );
  }
  if (!Number.isInteger(block) || block < 1 || block > blocks) {
    return asIs(
      `${name} has ${blocks} blocks, so there is no block ${block}: features come from its ` +
        `output (block ${blocks}).`,
    );
  }
  const rewritten = addBlockTokens(
    bytes.model,
    info.fileName,
    info.tokens,
    info.blockOutputs,
    block,
  );
  if (!rewritten) {
    return asIs(
      `The final norm of ${name} could not be applied to block ${block}, so features come from ` +
        'its output (the last block).',
    );
  }
  return {
    info: { ...info, tokens: { ...info.tokens, name: rewritten.output } },
    bytes: { ...bytes, model: rewritten.bytes },
    files: { ...bytes, model: rewritten.bytes.subarray(0, bytes.model.length) },
    block,
    notice: null,
  };
}
