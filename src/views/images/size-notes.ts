/**
 * What a card says about how much of a picture the model saw, and at what scale, where the sizes
 * alone ("2000×300 → 224×224") do not make it plain. Pure, so that it is unit-tested.
 */

/** The classifier recipe's shortest edge and crop (the Hugging Face processor's 256 and 224). */
const RESIZE = 256;
const CROP = 224;

/** The share of a width x height picture that the classifier's centre crop keeps. */
export function classifierKept(width: number, height: number): number {
  const scale = RESIZE / Math.min(width, height);
  return Math.min(1, CROP / (width * scale)) * Math.min(1, CROP / (height * scale));
}

/**
 * Notes for a picture of `width` x `height` fed as `inputWidth` x `inputHeight`: a classifier
 * crop that leaves out much of it (a panorama keeps a small square of its middle), and a small
 * picture enlarged several times (its patches then see blurred pixels).
 */
export function sizeNotes(
  mode: 'dense' | 'classifier',
  width: number,
  height: number,
  inputWidth: number,
): string[] {
  const notes: string[] = [];
  if (mode === 'classifier') {
    const kept = classifierKept(width, height);
    // Even a square loses its corners to the crop (77% kept): only a larger loss is news.
    // (Under 1%: a thin strip, whose share would round to "0%".)
    const pct = kept < 0.01 ? 'less than 1%' : `${Math.round(kept * 100)}%`;
    if (kept < 0.6) notes.push(`the centre crop keeps ${pct} of the picture`);
  }
  // The classifier resizes the short side to 256/224 of its crop (the input's width) first.
  const scale =
    mode === 'classifier'
      ? (inputWidth * RESIZE) / CROP / Math.min(width, height)
      : inputWidth / width;
  if (scale >= 2) notes.push(`enlarged ${scale.toFixed(1)}× to the model's size`);
  return notes;
}
