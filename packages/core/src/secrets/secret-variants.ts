import { encodeBase64 } from './base64';

/** Shorter secrets are too likely to be ordinary text ("abc", "on") to redact. */
const minimumSecretLength = 4;

/**
 * A base64 fragment shorter than this is too likely to occur by chance in other base64
 * text. The escaped forms of a secret need no such floor: they are never shorter than
 * the secret itself, which is redacted anyway.
 */
const minimumBase64Length = 8;

// Within a base64 string the secret's bytes may start at any of the three positions of
// a 3-byte group. With k bytes of unknown prefix, the first characters of that group
// also carry prefix bits; these many characters are skipped.
const prefixCharacters = [0, 2, 3] as const;

// At the end, r = (bytes mod 3) leftover bytes are fully spelled by r characters; the
// next one also carries bits of whatever follows the secret.
function determinedLength(byteCount: number): number {
  return Math.floor(byteCount / 3) * 4 + (byteCount % 3);
}

/**
 * The base64 text that spells the secret's UTF-8 bytes at each alignment, trimmed to the
 * characters that depend on the secret alone. So the secret is found inside any longer
 * base64 text: a Basic auth header ("user:secret"), a JWT, an encoded JSON body.
 */
function base64Forms(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  const standalone = encodeBase64(bytes);
  // The whole encoding first: when it stands alone, the trailing character and padding go too.
  const forms = [standalone, standalone.replace(/=+$/, '')];
  for (let offset = 0; offset < 3; offset++) {
    const shifted = new Uint8Array(offset + bytes.length);
    shifted.set(bytes, offset);
    forms.push(encodeBase64(shifted).slice(prefixCharacters[offset], determinedLength(shifted.length)));
  }
  return forms;
}

function toBase64Url(base64: string): string {
  return base64.replaceAll('+', '-').replaceAll('/', '_');
}

function lowercaseHex(percentEncoded: string): string {
  return percentEncoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
}

/** encodeURIComponent, form encoding (WHATWG and the common "%20 to +" shortcut), each with upper and lower case hex. */
function percentForms(secret: string): string[] {
  let component: string;
  try {
    component = encodeURIComponent(secret);
  } catch {
    // A lone surrogate: no URL could carry this secret percent-encoded as it is.
    return [];
  }
  const plusForSpace = component.replaceAll('%20', '+');
  // application/x-www-form-urlencoded also escapes the characters encodeURIComponent leaves.
  const form = plusForSpace.replace(/[!'()~]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return [component, plusForSpace, form].flatMap((encoded) => [encoded, lowercaseHex(encoded)]);
}

/** The secret inside a JSON string literal, and as serializers that escape "/" (PHP) write it. */
function jsonForms(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  return [escaped, escaped.replaceAll('/', '\\/')];
}

/**
 * The forms a secret can leak in: itself, base64 and base64url (all three byte
 * alignments, so it is found inside a longer encoded string such as a Basic auth header
 * "user:secret"), percent-encoded (encodeURIComponent and form encoding with +), and
 * JSON-escaped. Base64 fragments shorter than 8 characters are dropped, as they occur by
 * chance; secrets shorter than 4 characters give no variants at all.
 *
 * @example
 * ```ts
 * secretVariants('p@ss word'); // ['p@ss word', 'p%40ss%20word', 'p%40ss+word', 'cEBzcyB3b3Jk', ...]
 * ```
 */
export function secretVariants(secret: string): string[] {
  if (secret.length < minimumSecretLength) return [];
  const variants = new Set([secret, ...percentForms(secret), ...jsonForms(secret)]);
  for (const base64 of base64Forms(secret)) {
    if (base64.length < minimumBase64Length) continue;
    variants.add(base64);
    variants.add(toBase64Url(base64));
  }
  return [...variants];
}
