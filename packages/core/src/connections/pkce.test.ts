import { describe, expect, it } from 'vitest';
import { challengeFor, createPkcePair, randomState } from './pkce';

/** RFC 7636 §4.1: unreserved characters, 43 to 128 of them. */
const verifierPattern = /^[A-Za-z0-9\-._~]{43,128}$/;
const base64urlPattern = /^[A-Za-z0-9_-]+$/;

describe('challengeFor', () => {
  it('matches the example of RFC 7636 appendix B', async () => {
    // The challenge as printed in the RFC (and as `openssl dgst -sha256 -binary | base64url` gives it).
    expect(await challengeFor('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});

describe('createPkcePair', () => {
  it('makes a verifier RFC 7636 accepts and its unpadded base64url S256 challenge', async () => {
    const pair = await createPkcePair();
    expect(pair.verifier).toMatch(verifierPattern);
    expect(pair.method).toBe('S256');
    // SHA-256 is 32 bytes: 43 base64url characters without padding.
    expect(pair.challenge).toHaveLength(43);
    expect(pair.challenge).toMatch(base64urlPattern);
    expect(pair.challenge).toBe(await challengeFor(pair.verifier));
  });

  it('makes a different verifier every time', async () => {
    const verifiers = new Set<string>();
    for (let i = 0; i < 50; i++) verifiers.add((await createPkcePair()).verifier);
    expect(verifiers.size).toBe(50);
  });
});

describe('randomState', () => {
  it('is URL-safe, long enough to be unguessable and different every time', () => {
    const states = Array.from({ length: 50 }, () => randomState());
    for (const state of states) {
      expect(state).toMatch(base64urlPattern);
      expect(encodeURIComponent(state)).toBe(state);
      // At least 128 bits of base64url (22 characters).
      expect(state.length).toBeGreaterThanOrEqual(22);
    }
    expect(new Set(states).size).toBe(50);
  });
});
