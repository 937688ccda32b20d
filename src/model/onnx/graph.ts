/**
 * Lookups over a parsed graph: who produces / consumes a tensor, and the values of constant
 * tensors. Inspection walks the graph by structure (not by names), so it needs these in O(1).
 */
import { floatValues, intValues } from './tensor-values';
import type { OnnxGraph, OnnxNode, OnnxTensor } from './types';

/** Every op: a walk that passes through anything. */
export const ANY_OP = { has: () => true };

/** Ops that only convert or alias a tensor: walking through them keeps its identity. */
const ALIAS_OPS = new Set(['Identity', 'Cast', 'DequantizeLinear']);

export class GraphIndex {
  readonly graph: OnnxGraph;
  private producers = new Map<string, OnnxNode>();
  private consumerMap = new Map<string, OnnxNode[]>();
  private inits = new Map<string, OnnxTensor>();

  constructor(graph: OnnxGraph) {
    this.graph = graph;
    for (const t of graph.initializers) this.inits.set(t.name, t);
    for (const n of graph.nodes) {
      for (const o of n.outputs) if (o) this.producers.set(o, n);
      for (const i of n.inputs) {
        if (!i) continue;
        let list = this.consumerMap.get(i);
        if (!list) this.consumerMap.set(i, (list = []));
        list.push(n);
      }
    }
  }

  producer(name: string): OnnxNode | undefined {
    return this.producers.get(name);
  }

  consumers(name: string): OnnxNode[] {
    return this.consumerMap.get(name) ?? [];
  }

  initializer(name: string): OnnxTensor | undefined {
    return this.inits.get(name);
  }

  /**
   * The constant tensor behind `name`: an initializer or a Constant node's value, looking through
   * Identity/Cast/DequantizeLinear (deduplicated weights in big exports are Identity of another
   * initializer; quantized weights sit behind DequantizeLinear).
   */
  constTensor(name: string, depth = 4): OnnxTensor | undefined {
    const init = this.inits.get(name);
    if (init) return init;
    const p = this.producers.get(name);
    if (!p || depth <= 0) return undefined;
    if (p.opType === 'Constant') {
      return p.attributes.find((a) => a.name === 'value')?.t ?? undefined;
    }
    if (ALIAS_OPS.has(p.opType) && p.inputs[0]) return this.constTensor(p.inputs[0], depth - 1);
    return undefined;
  }

  isConst(name: string): boolean {
    return this.constTensor(name) !== undefined;
  }

  /** A scalar (or single-element) float constant, e.g. an attention scale; null if not one. */
  scalarFloat(name: string): number | null {
    const t = this.constTensor(name);
    if (!t) return null;
    const v = floatValues(t);
    return v && v.length === 1 ? v[0] : null;
  }

  /**
   * Integer values of a shape-like tensor, as far as they are constant. Shapes in exported graphs
   * are often `Concat(Unsqueeze(Gather(Shape(x))), [-1], [h], [d])`: pieces that are computed at
   * run time come back as null. `exact` is false when a piece of unknown length was met, in which
   * case `values` holds only the part after it (enough to read the trailing dims).
   */
  shapeValues(name: string, depth = 6): { values: (number | null)[]; exact: boolean } | null {
    const t = this.constTensor(name);
    if (t) {
      const v = intValues(t);
      return v ? { values: v, exact: true } : null;
    }
    const p = this.producers.get(name);
    if (!p || depth <= 0) return null;
    switch (p.opType) {
      case 'Cast':
      case 'Identity':
        return this.shapeValues(p.inputs[0], depth - 1);
      case 'Unsqueeze': {
        // Unsqueeze of a scalar makes a 1-element vector, whatever its value.
        const inner = this.shapeValues(p.inputs[0], depth - 1);
        if (inner && inner.exact && inner.values.length <= 1) {
          return { values: inner.values.length ? inner.values : [null], exact: true };
        }
        return { values: [null], exact: true };
      }
      case 'Concat': {
        let values: (number | null)[] = [];
        let exact = true;
        for (const i of p.inputs) {
          const piece = this.shapeValues(i, depth - 1);
          if (!piece || !piece.exact) {
            exact = false;
            values = piece ? [...piece.values] : [];
          } else values.push(...piece.values);
        }
        return { values, exact };
      }
      default:
        return null;
    }
  }
}

/** Breadth-first walk forward from `start` through `pass` ops; returns the first node `hit` accepts. */
export function findForward(
  g: GraphIndex,
  start: string,
  pass: { has(op: string): boolean },
  hit: (n: OnnxNode) => boolean,
  maxDepth: number,
): OnnxNode | null {
  let frontier = [start];
  const seen = new Set(frontier);
  for (let depth = 0; depth <= maxDepth && frontier.length; depth++) {
    const next: string[] = [];
    for (const name of frontier) {
      for (const c of g.consumers(name)) {
        if (hit(c)) return c;
        if (!pass.has(c.opType)) continue;
        for (const o of c.outputs) {
          if (o && !seen.has(o)) {
            seen.add(o);
            next.push(o);
          }
        }
      }
    }
    frontier = next;
  }
  return null;
}

/** Same walking backward: from the producer of `start` through `pass` ops, over non-constant inputs. */
export function findBackward(
  g: GraphIndex,
  start: string,
  pass: { has(op: string): boolean },
  hit: (n: OnnxNode) => boolean,
  maxDepth: number,
  visit?: (n: OnnxNode) => void,
): OnnxNode | null {
  let frontier = [start];
  const seen = new Set(frontier);
  for (let depth = 0; depth <= maxDepth && frontier.length; depth++) {
    const next: string[] = [];
    for (const name of frontier) {
      const p = g.producer(name);
      if (!p) continue;
      if (hit(p)) return p;
      if (!pass.has(p.opType)) continue;
      visit?.(p);
      for (const i of p.inputs) {
        if (i && !g.isConst(i) && !seen.has(i)) {
          seen.add(i);
          next.push(i);
        }
      }
    }
    frontier = next;
  }
  return null;
}
