/**
 * The public DINOv2 ONNX exports (Hugging Face onnx-community), with their variants and sizes as
 * listed on the hub. Sizes marked `approx` were not listed for that repository and are taken from
 * a sibling export of the same architecture.
 */
export type VariantId = 'fp32' | 'fp16' | 'int8' | 'q4f16';

export interface CatalogVariant {
  id: VariantId;
  file: string;
  megabytes: number;
  approx?: boolean;
}

export interface CatalogModel {
  id: string;
  repo: string;
  label: string;
  registers: number;
  hidden: number;
  variants: CatalogVariant[];
}

const HUB = 'https://huggingface.co';

function variants(sizes: [number, number, number, number], approx = false): CatalogVariant[] {
  const files: [VariantId, string][] = [
    ['fp32', 'model.onnx'],
    ['fp16', 'model_fp16.onnx'],
    ['int8', 'model_quantized.onnx'],
    ['q4f16', 'model_q4f16.onnx'],
  ];
  return files.map(([id, file], i) => ({
    id,
    file,
    megabytes: sizes[i],
    ...(approx ? { approx } : {}),
  }));
}

export const CATALOG: CatalogModel[] = [
  {
    id: 'dinov2-small',
    repo: 'onnx-community/dinov2-small',
    label: 'DINOv2 ViT-S/14',
    registers: 0,
    hidden: 384,
    variants: variants([88.5, 44.4, 24.4, 13.9]),
  },
  {
    id: 'dinov2-base',
    repo: 'onnx-community/dinov2-base',
    label: 'DINOv2 ViT-B/14',
    registers: 0,
    hidden: 768,
    variants: variants([347, 173, 91, 51.4]),
  },
  {
    id: 'dinov2-large',
    repo: 'onnx-community/dinov2-large',
    label: 'DINOv2 ViT-L/14',
    registers: 0,
    hidden: 1024,
    variants: variants([1220, 609, 312, 175], true),
  },
  {
    id: 'dinov2-with-registers-small',
    repo: 'onnx-community/dinov2-with-registers-small',
    label: 'DINOv2 ViT-S/14 + registers',
    registers: 4,
    hidden: 384,
    variants: variants([88.5, 44.4, 24.4, 13.9]),
  },
  {
    id: 'dinov2-with-registers-base',
    repo: 'onnx-community/dinov2-with-registers-base',
    label: 'DINOv2 ViT-B/14 + registers',
    registers: 4,
    hidden: 768,
    variants: variants([347, 173, 91, 51.4]),
  },
  {
    id: 'dinov2-with-registers-large',
    repo: 'onnx-community/dinov2-with-registers-large',
    label: 'DINOv2 ViT-L/14 + registers',
    registers: 4,
    hidden: 1024,
    variants: variants([1220, 609, 312, 175]),
  },
];

export function catalogUrl(model: CatalogModel, variant: CatalogVariant): string {
  return `${HUB}/${model.repo}/resolve/main/onnx/${variant.file}`;
}

export function findCatalogModel(id: string): CatalogModel | undefined {
  return CATALOG.find((m) => m.id === id);
}

/**
 * The variant to offer first. WebGPU with shader-f16: fp16 (half the download, GPU kernels exist).
 * WebGPU without it: fp32 (fp16 kernels need the feature). WASM: int8, the smallest download
 * whose kernels are native there (as transformers.js does); the load-time check and the user's
 * choice still apply.
 */
export function defaultVariant(backend: 'webgpu' | 'wasm', shaderF16: boolean): VariantId {
  if (backend === 'webgpu') return shaderF16 ? 'fp16' : 'fp32';
  return 'int8';
}
