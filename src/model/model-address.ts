/**
 * What the "Model URL" field makes of what was typed. People paste addresses without their
 * scheme (`huggingface.co/…`, `www.example.com/…`), and a browser resolves such text as a path on
 * this site, which then answers with its own page: the field adds the scheme instead. Paths on
 * the site (`models/tiny/model.onnx`, `./x.onnx`, `/models/…`) stay relative to the page.
 */

export type TypedAddress =
  /** `completed`: a scheme was added, so the field should show `url` rather than what was typed. */
  { ok: true; url: string; completed: boolean } | { ok: false; message: string };

/**
 * Endings of host names that people type. A list rather than "has a dot", since a first path
 * segment with a dot is as often a file (`model.onnx`, `model.pt`): endings that are also common
 * file extensions (pt, md, sh, py, zip, mov…) are left out on purpose.
 */
const TLDS = new Set(
  (
    'com net org io co ai dev app edu gov info me xyz cloud page site tech online space store ' +
    'uk de fr nl eu ch at be es it se no fi dk pl cz ru jp cn kr tw hk sg in au nz ca us br ' +
    'mx ar za ie il tr gr hu ro ua lt lv ee is'
  ).split(' '),
);

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const LOCAL_PATH = /^(?:[a-z]:[\\/]|\\\\|file:)/i;
const SCHEME = /^([a-z][a-z\d+.-]*):/i;

/** What a refusal tells to type instead, and where a file on this computer goes: per field. */
export interface AddressAdvice {
  examples: string;
  localFile: string;
}

export const MODEL_ADVICE: AddressAdvice = {
  examples:
    'Type the address of the model\'s .onnx file, like "https://huggingface.co/onnx-community/' +
    'dinov2-small/resolve/main/onnx/model.onnx", or a path on this site, like ' +
    '"models/<name>/model.onnx".',
  localFile: 'Pick it with "Model file" instead (with its .onnx_data file if it has one).',
};

export const IMAGE_ADVICE: AddressAdvice = {
  examples: 'Type the address of an image, like "https://example.org/photo.jpg".',
  localFile: 'Add it with the "Images" picker instead, or drop it on the page.',
};

/** The host part of `segment` (the text before the first "/"), if it reads as one. */
function looksLikeHost(segment: string): boolean {
  const host = segment.replace(/:\d{1,5}$/, '').toLowerCase();
  if (host === 'localhost' || IPV4.test(host)) return true;
  if (!/^[a-z\d-]+(\.[a-z\d-]+)+$/.test(host)) return false;
  return host.startsWith('www.') || TLDS.has(host.slice(host.lastIndexOf('.') + 1));
}

/** A local server (localhost, an IP address) rarely has TLS; any named host is asked over https. */
function schemeFor(host: string): string {
  const h = host.replace(/:\d{1,5}$/, '').toLowerCase();
  return h === 'localhost' || IPV4.test(h) ? 'http://' : 'https://';
}

function notAnAddress(typed: string, why: string, advice: AddressAdvice): TypedAddress {
  return { ok: false, message: `"${typed}" is not an address (${why}). ${advice.examples}` };
}

function absolute(typed: string, advice: AddressAdvice, base?: string): TypedAddress {
  try {
    return { ok: true, url: new URL(typed, base).href, completed: false };
  } catch {
    return notAnAddress(typed, 'the browser cannot read it as one', advice);
  }
}

/**
 * The address to download a model from, for text typed in the Model URL field, resolved against
 * `base` (the page's address) when it is a path on the site; or a message saying why it is not an
 * address and what to type.
 */
export function modelAddress(
  text: string,
  base: string,
  advice: AddressAdvice = MODEL_ADVICE,
): TypedAddress {
  const typed = text.trim();
  if (!typed) return { ok: false, message: advice.examples };
  const scheme = SCHEME.exec(typed)?.[1].toLowerCase();
  // A URL with an explicit web scheme is taken as given: a space in it is part of a file name.
  if (scheme === 'http' || scheme === 'https') return absolute(typed, advice);
  if (LOCAL_PATH.test(typed)) {
    return {
      ok: false,
      message: `"${typed}" is a file on this computer, not a web address. ${advice.localFile}`,
    };
  }
  if (/\s/.test(typed)) return notAnAddress(typed, 'it has spaces', advice);
  const first = typed.split(/[/?#]/, 1)[0];
  if (!typed.startsWith('/') && looksLikeHost(first)) {
    const url = schemeFor(first) + typed;
    const parsed = absolute(url, advice);
    return parsed.ok ? { ...parsed, completed: true } : parsed;
  }
  if (scheme) return notAnAddress(typed, `the browser cannot download from "${scheme}:"`, advice);
  // A single word ("dinov2-small") names no file: it would fetch the site's own page.
  if (!/[./]/.test(typed)) return notAnAddress(typed, 'it names no file or site', advice);
  return absolute(typed, advice, base);
}
