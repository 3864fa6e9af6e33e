// btoa/atob exist on every runtime core targets (Node, Bun, Deno, edge, browsers);
// Buffer does not, so bytes go through a binary string.

// Spreading a huge array into fromCharCode overflows the call stack; 32 KiB chunks do not.
const chunkSize = 0x8000;

function toBinaryString(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += chunkSize) {
    binary += String.fromCharCode(...bytes.subarray(start, start + chunkSize));
  }
  return binary;
}

function fromBinaryString(binary: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Standard base64 with padding (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  return btoa(toBinaryString(bytes));
}

/** URL-safe base64 without padding (RFC 4648 §5): safe inside dot-separated tokens. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encodeBase64(bytes).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/**
 * Decodes standard or URL-safe base64, padded or not, as hosts paste keys in either
 * form. Returns undefined for anything else; atob alone would accept whitespace.
 */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length !== text.length && text.length % 4 !== 0) return undefined;
  // One leftover character carries 6 bits: not a whole byte, so never valid base64.
  if (unpadded.length % 4 === 1) return undefined;
  try {
    return fromBinaryString(atob(unpadded.replaceAll('-', '+').replaceAll('_', '/')));
  } catch {
    return undefined;
  }
}

/**
 * Decodes URL-safe unpadded base64 only in its canonical form. Non-zero unused bits in
 * the last character decode to the same bytes, so without the round-trip check one
 * value would have several spellings and a sealed secret could change without failing.
 */
export function decodeBase64UrlStrict(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = decodeBase64(text);
  if (bytes === undefined || encodeBase64Url(bytes) !== text) return undefined;
  return bytes;
}
