/**
 * Messages for a model that is refused, worded for where it came from. A picked file can be
 * picked again; a model from an address (typed, a link, the catalogue, this site's `models/`)
 * cannot, so its messages name the address and say to check it or load another model. The
 * parser's own reasons ("unexpected field 1281") mean nothing to people and stay out: the bytes
 * are described by what they look like instead.
 */
import { ExplorerError } from '../lib/errors';
import { formatBytes } from '../lib/files';
import { PICK_ADVICE } from './inspect';

/** Where a model's bytes came from. */
export type ModelOrigin = { kind: 'file' } | { kind: 'url'; address: string };

const URL_ADVICE = 'Check the address, or load another model.';

/** The last sentence of a refusal of a graph: what to do instead. */
export function adviceFor(origin: ModelOrigin): string {
  return origin.kind === 'file'
    ? PICK_ADVICE
    : `It came from ${origin.address}: check the address, or load another model.`;
}

const IMAGE_MAGIC: [string, number[]][] = [
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
];

/** The image format the bytes start with, if any. */
function imageKind(b: Uint8Array): string | null {
  for (const [kind, magic] of IMAGE_MAGIC) if (magic.every((m, i) => b[i] === m)) return kind;
  const riff = String.fromCharCode(...b.subarray(0, 12));
  return riff.startsWith('RIFF') && riff.endsWith('WEBP') ? 'WebP' : null;
}

/** Whitespace is the only control character text has. */
const isControl = (c: number) => c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d;

/** The start of the bytes as text, or null when they are not text (control bytes, bad UTF-8). */
function textStart(b: Uint8Array): string | null {
  const head = b.subarray(0, 512);
  if (head.some(isControl)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(head);
  } catch {
    // A multi-byte character cut at 512 bytes also lands here; a rare miss, said as "not ONNX".
    return null;
  }
}

/** A web page where a model was expected (a saved download page, an address to a page). */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = new TextDecoder()
    .decode(bytes.subarray(0, 512))
    .trimStart()
    .slice(0, 100)
    .toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head');
}

/** What bytes that are not ONNX are, in words, for the parenthesis of a refusal. */
export function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  const image = imageKind(bytes);
  if (image) return `it is a ${image} image`;
  const text = textStart(bytes);
  // What a Git LFS checkout without LFS, or a "raw" link on a model hub, gives for a large file.
  if (text?.startsWith('version https://git-lfs')) return 'it is a Git LFS pointer, not the file';
  if (text !== null) return 'it is a text file';
  return "the file's bytes are not ONNX";
}

/** A web page given as the model. */
function webPage(name: string, origin: ModelOrigin): ExplorerError {
  const message =
    origin.kind === 'file'
      ? `"${name}" is a web page, not an ONNX model. It was probably saved from a page that ` +
        'shows the model; download the .onnx file itself and pick that.'
      : `The file at ${origin.address} is a web page, not an ONNX model. Give the address of the ` +
        'file itself (on Hugging Face, the "resolve" link that downloads it, not the "blob" page ' +
        'that shows it).';
  return new ExplorerError('not-onnx', message, name);
}

/**
 * The refusal of bytes that are not ONNX at all, built from what they look like (the parser's
 * reason is protobuf detail).
 */
export function notOnnx(name: string, bytes: Uint8Array, origin: ModelOrigin): ExplorerError {
  if (looksLikeHtml(bytes)) return webPage(name, origin);
  const what = describeBytes(bytes);
  if (origin.kind === 'url') {
    return new ExplorerError(
      'not-onnx',
      `The file at ${origin.address} is not an ONNX model (${what}). ${URL_ADVICE}`,
      name,
    );
  }
  // A photo picked as the model is most likely meant for the collection.
  const advice = imageKind(bytes)
    ? 'To add it to the collection, use the "Images" picker; in "Model file", pick the .onnx ' +
      'file of a DINOv2 export.'
    : PICK_ADVICE;
  return new ExplorerError('not-onnx', `"${name}" is not an ONNX model (${what}). ${advice}`, name);
}

/**
 * The refusal of a weights file shorter than what the graph reads from it. A picked one can be
 * picked again; one from an address is what the host serves, so the user can only load another.
 */
export function weightsTooShort(
  graph: string,
  data: { name: string; bytes: number; need: number },
  origin: ModelOrigin,
): ExplorerError {
  const said =
    `"${data.name}" holds ${formatBytes(data.bytes)}, but "${graph}" reads ` +
    `${formatBytes(data.need)} of weights from it: it is cut short or belongs to another export.`;
  const advice =
    origin.kind === 'file'
      ? `Pick the weights file that came with "${graph}" (fetch it again if its download ` +
        'stopped early).'
      : `It came from ${origin.address}, which does not hold this model's whole weights: load ` +
        'another model (if you host it, put the complete weights file there).';
  return new ExplorerError('missing-external-data', `${said} ${advice}`, data.name);
}
