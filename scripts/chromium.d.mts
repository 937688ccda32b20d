// Types for chromium.mjs.
export function findChromium(): string | null;
export const BASE_FLAGS: string[];
export const WEBGPU_FLAGS: string[];
export const NO_CHROMIUM_MESSAGE: string;
