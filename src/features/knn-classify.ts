/**
 * k-NN classification with leave-one-out, the evaluation DINO and DINOv2 report for frozen
 * features: each image is classified by its k nearest other images (cosine), each neighbour
 * voting for its class with weight exp(similarity / T) (DINO's eval_knn: k = 20, T = 0.07).
 * Here the classes are the collection's folders, so a user can measure how well a model (or a
 * block of it) separates their own dataset.
 */

export interface Neighbours {
  /** Row indices of the neighbours, best first (the image itself left out). */
  index: Int32Array;
  /** Their cosine similarities, in the same order. */
  score: Float32Array;
}

export interface KnnSummary {
  total: number;
  correct: number;
  /** Per class: how many images it has and how many of them were classified right. */
  perClass: { count: number; correct: number }[];
  /** [classes x classes], row = true class, column = predicted class. */
  confusion: Int32Array;
  /** The predicted class of each image. */
  predicted: Int32Array;
  /** The share of the largest class: what always guessing it scores. */
  majority: number;
}

/**
 * The class the neighbours vote for: weights exp(s / T) summed per class; a tie goes to the
 * lower class index. Weights are taken relative to the best score (exp((s - best) / T)),
 * which changes no vote but keeps exp from overflowing at small T.
 */
export function vote(
  labels: ArrayLike<number>,
  n: Neighbours,
  classes: number,
  temperature: number,
): number {
  const sums = new Float64Array(classes);
  let best = -Infinity;
  for (const s of n.score) if (s > best) best = s;
  for (let j = 0; j < n.index.length; j++) {
    const s = n.score[j];
    if (!Number.isFinite(s)) continue;
    sums[labels[n.index[j]]] += Math.exp((s - best) / temperature);
  }
  let top = 0;
  for (let c = 1; c < classes; c++) if (sums[c] > sums[top]) top = c;
  return top;
}

/**
 * Leave-one-out k-NN over `labels.length` images: `neighbours(i)` gives image i's nearest other
 * images (at most k of them). Labels are class indices in [0, classes).
 */
export function classifyLeaveOneOut(
  labels: Int32Array,
  classes: number,
  neighbours: (i: number) => Neighbours,
  temperature: number,
): KnnSummary {
  const total = labels.length;
  const confusion = new Int32Array(classes * classes);
  const predicted = new Int32Array(total);
  const perClass = Array.from({ length: classes }, () => ({ count: 0, correct: 0 }));
  let correct = 0;
  for (let i = 0; i < total; i++) {
    const p = vote(labels, neighbours(i), classes, temperature);
    predicted[i] = p;
    const t = labels[i];
    confusion[t * classes + p]++;
    perClass[t].count++;
    if (p === t) {
      perClass[t].correct++;
      correct++;
    }
  }
  const largest = perClass.reduce((m, c) => Math.max(m, c.count), 0);
  return { total, correct, perClass, confusion, predicted, majority: total ? largest / total : 0 };
}
