import { describe, expect, it } from 'vitest';
import { PipewrightError, type PipewrightErrorCode } from '../errors/pipewright-error';
import { CancelledError, CircuitOpenError, FatalError, RetryableError, RetryAfterError, TimeoutError } from '../errors/step-errors';
import { classifyError, MAX_RECORDED_MESSAGE_LENGTH, parseRetryAfter, toRecordedError } from './classify-error';

const now = Date.UTC(2030, 0, 1, 12, 0, 0);
const in90Seconds = 'Tue, 01 Jan 2030 12:01:30 GMT';

/** An error shaped like one from an HTTP client (ky, ofetch, axios, got). */
function httpError(fields: Record<string, unknown>, message = 'Request failed'): Error {
  return Object.assign(new Error(message), fields);
}

/** `fetch failed` as undici throws it, with the socket error as cause. */
function fetchFailed(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code }) });
}

describe('classifyError', () => {
  describe('step errors', () => {
    it.each([
      ['RetryableError', new RetryableError('flaky'), true, 'retryable'],
      ['TimeoutError', new TimeoutError(1_000), true, 'timeout'],
      ['FatalError', new FatalError('bad key'), false, 'fatal'],
      ['CancelledError', new CancelledError('user'), false, 'cancelled'],
    ] as const)('%s → retryable %s', (_name, error, retryable, code) => {
      const result = classifyError(error, now);
      expect(result.retryable).toBe(retryable);
      expect(result.error.retryable).toBe(retryable);
      expect(result.error.code).toBe(code);
      expect(result.error.message).toBe(error.message);
      expect(result).not.toHaveProperty('retryAfterMs');
    });

    it('RetryAfterError carries its delay', () => {
      const result = classifyError(new RetryAfterError(45_000, 'rate limited'), now);
      expect(result).toEqual({
        retryable: true,
        retryAfterMs: 45_000,
        error: { code: 'retry_after', message: 'rate limited', retryable: true, details: { retryAfterMs: 45_000 } },
      });
    });

    it('CircuitOpenError is retryable no sooner than the circuit half-opens', () => {
      const result = classifyError(new CircuitOpenError('http:api', now + 20_000), now);
      expect(result.retryable).toBe(true);
      expect(result.retryAfterMs).toBe(20_000);
      expect(result.error.code).toBe('circuit_open');
      expect(result.error.details).toEqual({ key: 'http:api', retryAt: now + 20_000 });
      // A retryAt already passed asks for no extra wait.
      expect(classifyError(new CircuitOpenError('http:api', now - 5_000), now).retryAfterMs).toBe(0);
    });

    it('FatalError is not retried even when it carries a Retry-After', () => {
      const result = classifyError(new FatalError('gone', { details: { retryAfter: '60', status: 503 } }), now);
      expect(result.retryable).toBe(false);
      expect(result).not.toHaveProperty('retryAfterMs');
    });

    it('a retryable PipewrightError takes details.retryAfter', () => {
      expect(classifyError(new RetryableError('busy', { details: { retryAfter: '7' } }), now).retryAfterMs).toBe(7_000);
      expect(classifyError(new RetryableError('busy', { details: { retryAfter: in90Seconds } }), now).retryAfterMs).toBe(90_000);
    });
  });

  describe('other PipewrightErrors', () => {
    /**
     * Every code, so that adding one to the union fails type checking here until
     * someone decides whether it is worth a retry.
     */
    const retryableByCode: Record<PipewrightErrorCode, boolean> = {
      invalid_workflow: false,
      invalid_node_definition: false,
      invalid_node_config: false,
      duplicate_node_type: false,
      duplicate_connector: false,
      unknown_node_type: false,
      invalid_expression: false,
      expression_failed: false,
      invalid_input: false,
      not_found: false,
      run_finished: false,
      invalid_token: false,
      invalid_cursor: false,
      lease_lost: false,
      internal: true,
      retryable: true,
      fatal: false,
      retry_after: true,
      timeout: true,
      cancelled: false,
      circuit_open: true,
      payload_too_large: false,
      secret_tampered: false,
      unknown_key: false,
      vault_not_configured: false,
      invalid_credentials: false,
      oauth2_error: false,
    };

    it('an oauth2_error is retryable only when its details say the token endpoint may answer next time', () => {
      expect(classifyError(new PipewrightError('oauth2_error', 'token refresh failed: HTTP 503', { details: { status: 503, retryable: true } }), now).retryable).toBe(true);
      expect(classifyError(new PipewrightError('oauth2_error', 'token refresh failed: invalid_grant', { details: { status: 400 } }), now).retryable).toBe(false);
    });

    it.each(Object.entries(retryableByCode))('%s → retryable %s', (code, retryable) => {
      const result = classifyError(new PipewrightError(code as PipewrightErrorCode, 'nope'), now);
      expect(result.retryable).toBe(retryable);
      expect(result.error).toEqual({ code, message: 'nope', retryable });
    });

    it('internal is retryable', () => {
      expect(classifyError(new PipewrightError('internal', 'db hiccup'), now)).toEqual({
        retryable: true,
        error: { code: 'internal', message: 'db hiccup', retryable: true },
      });
    });

    it('internal with an HTTP status in details is judged by the status', () => {
      expect(classifyError(new PipewrightError('internal', 'not found', { details: { status: 404 } }), now).retryable).toBe(false);
      const unavailable = classifyError(new PipewrightError('internal', 'unavailable', { details: { status: 503, retryAfter: '12' } }), now);
      expect(unavailable.retryable).toBe(true);
      expect(unavailable.retryAfterMs).toBe(12_000);
      expect(unavailable.error.code).toBe('internal');
    });

    it('an unknown code (from a newer copy of core) is fatal', () => {
      const foreign = { code: 'something_new', message: 'x', details: {}, [Symbol.for('pipewright.error')]: true };
      expect(classifyError(foreign, now).retryable).toBe(false);
      expect(classifyError(foreign, now).error.code).toBe('something_new');
    });
  });

  describe('errors from another bundled copy of core', () => {
    /** Same marker and fields, different class. */
    function foreign(code: string, fields: Record<string, unknown> = {}): Error {
      const error = Object.assign(new Error(`foreign ${code}`), { code, details: { copy: 2 }, ...fields });
      Object.defineProperty(error, Symbol.for('pipewright.error'), { value: true });
      return error;
    }

    it.each([
      ['retryable', true],
      ['timeout', true],
      ['internal', true],
      ['fatal', false],
      ['cancelled', false],
      ['invalid_input', false],
    ])('classifies %s by its code', (code, retryable) => {
      expect(classifyError(foreign(code), now)).toEqual({
        retryable,
        error: { code, message: `foreign ${code}`, retryable, details: { copy: 2 } },
      });
    });

    it('reads retryAfterMs of a RetryAfterError and retryAt of a CircuitOpenError', () => {
      expect(classifyError(foreign('retry_after', { retryAfterMs: 3_000 }), now).retryAfterMs).toBe(3_000);
      expect(classifyError(foreign('circuit_open', { key: 'k', retryAt: now + 4_000 }), now).retryAfterMs).toBe(4_000);
    });

    it('a plain object with only the marker is a retryable internal error', () => {
      expect(classifyError({ [Symbol.for('pipewright.error')]: true }, now)).toEqual({
        retryable: true,
        error: { code: 'internal', message: 'Unknown error', retryable: true },
      });
    });
  });

  describe('network errors', () => {
    it.each([
      'ECONNRESET',
      'ECONNREFUSED',
      'ETIMEDOUT',
      'EPIPE',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ENETUNREACH',
      'EHOSTUNREACH',
      'UND_ERR_SOCKET',
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
    ])('fetch failed with cause.code %s is retryable', (code) => {
      expect(classifyError(fetchFailed(code), now)).toEqual({
        retryable: true,
        error: { code: 'network_error', message: `fetch failed (${code})`, retryable: true },
      });
    });

    it('an own code counts too, and is not repeated in the message', () => {
      const error = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      expect(classifyError(error, now).error).toEqual({ code: 'network_error', message: 'read ECONNRESET', retryable: true });
    });

    it('fetch failed without a known cause is retryable', () => {
      expect(classifyError(new TypeError('fetch failed'), now).error).toEqual({ code: 'network_error', message: 'fetch failed', retryable: true });
    });

    it('another TypeError is a plain error', () => {
      expect(classifyError(new TypeError('x is not a function'), now).error.code).toBe('error');
    });

    it('an unknown socket code is a plain (still retryable) error', () => {
      const result = classifyError(Object.assign(new Error('weird'), { code: 'EWEIRD' }), now);
      expect(result.error.code).toBe('error');
      expect(result.retryable).toBe(true);
    });

    it('classifies a real failed fetch to an unresolvable host', async () => {
      const thrown: unknown = await fetch('http://pipewright-test.invalid/').then(
        () => undefined,
        (error: unknown) => error,
      );
      const result = classifyError(thrown, now);
      expect(result.retryable).toBe(true);
      expect(result.error.code).toBe('network_error');
      expect(result.error.message).toMatch(/^fetch failed \((ENOTFOUND|EAI_AGAIN)\)$/);
    });
  });

  describe('timeouts', () => {
    it('a DOMException named TimeoutError is retryable', () => {
      expect(classifyError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), now)).toEqual({
        retryable: true,
        error: { code: 'timeout', message: 'The operation was aborted due to timeout', retryable: true },
      });
    });

    it('the reason of a real AbortSignal.timeout() is retryable', async () => {
      const signal = AbortSignal.timeout(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const result = classifyError(signal.reason, now);
      expect(result.retryable).toBe(true);
      expect(result.error.code).toBe('timeout');
    });

    it('an AbortError caused by a TimeoutError is retryable', () => {
      const abort = new DOMException('This operation was aborted', 'AbortError');
      Object.defineProperty(abort, 'cause', { value: new DOMException('timed out', 'TimeoutError') });
      expect(classifyError(abort, now).error.code).toBe('timeout');
    });

    it('a plain AbortError is a plain error', () => {
      expect(classifyError(new DOMException('This operation was aborted', 'AbortError'), now).error.code).toBe('error');
    });
  });

  describe('HTTP status', () => {
    it.each([
      [408, true],
      [425, true],
      [429, true],
      [500, true],
      [502, true],
      [503, true],
      [504, true],
      [599, true],
      [501, false],
      [505, false],
      [400, false],
      [401, false],
      [403, false],
      [404, false],
      [409, false],
      [422, false],
      [499, false],
    ])('status %d → retryable %s', (status, retryable) => {
      const result = classifyError(httpError({ status }), now);
      expect(result.retryable).toBe(retryable);
      expect(result.error).toEqual({ code: 'http_error', message: 'Request failed', retryable });
    });

    it.each([
      ['status', { status: 503 }],
      ['statusCode', { statusCode: 503 }],
      ['details.status', { details: { status: 503 } }],
      ['response.status', { response: { status: 503 } }],
    ])('reads the status from %s', (_where, fields) => {
      expect(classifyError(httpError(fields), now).error.code).toBe('http_error');
      expect(classifyError(httpError({ ...fields }), now).retryable).toBe(true);
    });

    it('takes the first status in the order status, statusCode, details.status, response.status', () => {
      expect(classifyError(httpError({ status: 404, response: { status: 503 } }), now).retryable).toBe(false);
      expect(classifyError(httpError({ statusCode: 503, response: { status: 404 } }), now).retryable).toBe(true);
    });

    it('ignores values that are not an HTTP error status', () => {
      for (const status of [0, 200, 304, 600, 503.5, '503']) {
        const result = classifyError(httpError({ status }), now);
        expect(result.error.code, String(status)).toBe('error');
      }
    });

    it('reads a status from a thrown plain object', () => {
      expect(classifyError({ status: 404, message: 'Not Found' }, now)).toEqual({
        retryable: false,
        error: { code: 'http_error', message: 'Not Found', retryable: false },
      });
    });

    it('a status wins over a network code', () => {
      expect(classifyError(httpError({ status: 400, code: 'ECONNRESET' }), now).retryable).toBe(false);
    });
  });

  describe('Retry-After', () => {
    it('reads delta-seconds from headers["retry-after"]', () => {
      expect(classifyError(httpError({ status: 429, headers: { 'retry-after': '30' } }), now).retryAfterMs).toBe(30_000);
    });

    it('matches the header name in any case, and takes the first of a list', () => {
      expect(classifyError(httpError({ status: 429, headers: { 'Retry-After': '31' } }), now).retryAfterMs).toBe(31_000);
      expect(classifyError(httpError({ status: 429, headers: { 'retry-after': ['32', '99'] } }), now).retryAfterMs).toBe(32_000);
    });

    it('reads an HTTP-date from response.headers, a Headers object', () => {
      const response = new Response(null, { status: 503, headers: { 'Retry-After': in90Seconds } });
      const result = classifyError(httpError({ response }), now);
      expect(result.retryable).toBe(true);
      expect(result.retryAfterMs).toBe(90_000);
    });

    it('reads a Headers object at headers too', () => {
      expect(classifyError(httpError({ status: 503, headers: new Headers({ 'retry-after': '5' }) }), now).retryAfterMs).toBe(5_000);
    });

    it('reads a plain record at response.headers (axios)', () => {
      expect(classifyError(httpError({ response: { status: 429, headers: { 'retry-after': '8' } } }), now).retryAfterMs).toBe(8_000);
    });

    it('reads details.retryAfter, as a string or a number of seconds', () => {
      expect(classifyError(httpError({ status: 429, details: { retryAfter: '9' } }), now).retryAfterMs).toBe(9_000);
      expect(classifyError(httpError({ status: 429, details: { retryAfter: 10 } }), now).retryAfterMs).toBe(10_000);
    });

    it('takes the first value that parses, in the order headers, response.headers, details', () => {
      const error = httpError({ status: 429, headers: { 'retry-after': 'soon' }, response: { headers: new Headers({ 'retry-after': '11' }) }, details: { retryAfter: '99' } });
      expect(classifyError(error, now).retryAfterMs).toBe(11_000);
    });

    it('leaves retryAfterMs out for an invalid or past value', () => {
      expect(classifyError(httpError({ status: 429, headers: { 'retry-after': '-1' } }), now)).not.toHaveProperty('retryAfterMs');
      expect(classifyError(httpError({ status: 429, headers: { 'retry-after': 'Tue, 01 Jan 2030 11:59:00 GMT' } }), now)).not.toHaveProperty('retryAfterMs');
    });

    it('is ignored when the status is not retryable', () => {
      expect(classifyError(httpError({ status: 404, headers: { 'retry-after': '30' } }), now)).not.toHaveProperty('retryAfterMs');
    });

    it('defaults now to the current time', () => {
      const inAMinute = new Date(Date.now() + 60_000).toUTCString();
      const retryAfterMs = classifyError(httpError({ status: 503, headers: { 'retry-after': inAMinute } })).retryAfterMs;
      expect(retryAfterMs).toBeGreaterThan(55_000);
      expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('is the parseRetryAfter of this module', () => {
      expect(parseRetryAfter('2', now)).toBe(2_000);
    });
  });

  describe('plain errors and thrown non-errors', () => {
    it.each([
      ['an Error', new Error('boom'), 'boom'],
      ['a RangeError', new RangeError('out of range'), 'out of range'],
      ['a string', 'something broke', 'something broke'],
      ['an object with a message', { message: 'from an object' }, 'from an object'],
      ['a number', 42, 'Unknown error'],
      ['null', null, 'Unknown error'],
      ['undefined', undefined, 'Unknown error'],
      ['a symbol', Symbol('x'), 'Unknown error'],
    ])('%s is retryable with code "error"', (_label, thrown, message) => {
      expect(classifyError(thrown, now)).toEqual({ retryable: true, error: { code: 'error', message, retryable: true } });
    });

    it('never throws, even for a revoked Proxy', () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      expect(classifyError(proxy, now)).toEqual({ retryable: true, error: { code: 'error', message: 'Unknown error', retryable: true } });
    });

    it('never throws for a throwing getter or a throwing Headers.get', () => {
      const getter = Object.defineProperty(new Error('x'), 'status', {
        get() {
          throw new Error('no');
        },
      });
      expect(classifyError(getter, now).retryable).toBe(true);
      const headers = {
        get() {
          throw new Error('no');
        },
      };
      expect(classifyError(httpError({ status: 503, headers }), now).retryable).toBe(true);
    });
  });

  describe('the recorded error', () => {
    it('truncates the message to 2,000 characters', () => {
      const { error } = classifyError(new Error('x'.repeat(5_000)), now);
      expect(error.message).toHaveLength(MAX_RECORDED_MESSAGE_LENGTH);
      expect(error.message).toBe(`${'x'.repeat(1_999)}…`);
      expect(classifyError(new Error('y'.repeat(2_000)), now).error.message).toBe('y'.repeat(2_000));
    });

    it('does not cut a surrogate pair in half', () => {
      // The emoji's two UTF-16 units sit at 1,998 and 1,999; the cut falls between them.
      const { error } = classifyError(new Error(`${'x'.repeat(1_998)}😀${'x'.repeat(10)}`), now);
      expect(error.message).toBe(`${'x'.repeat(1_998)}…`);
      // Up to the cut the emoji is kept whole.
      expect(classifyError(new Error(`${'x'.repeat(1_997)}😀${'x'.repeat(10)}`), now).error.message).toBe(`${'x'.repeat(1_997)}😀…`);
    });

    it('keeps details of a PipewrightError only as they survive JSON', () => {
      const details = {
        count: 1n,
        big: 12345678901234567890n,
        callback: () => 'secret',
        missing: undefined,
        symbol: Symbol('s'),
        when: new Date(Date.UTC(2030, 0, 1)),
        nested: { list: [1, 2n, () => 1], ok: true, stack: 'at secret.ts:1', cause: 'db password' },
        inner: new Error('inner failure'),
      };
      const { error } = classifyError(new PipewrightError('invalid_input', 'bad', { details }), now);
      expect(error.details).toEqual({
        count: '1',
        big: '12345678901234567890',
        when: '2030-01-01T00:00:00.000Z',
        nested: { list: [1, '2', null], ok: true },
        inner: { name: 'Error', message: 'inner failure' },
      });
      expect(JSON.parse(JSON.stringify(error))).toEqual(error);
    });

    it('never includes cause or stack', () => {
      const cause = new Error('with a secret');
      const { error } = classifyError(new RetryableError('outer', { cause, details: { cause: 'x', stack: 'y' } }), now);
      expect(error).toEqual({ code: 'retryable', message: 'outer', retryable: true });
      expect(JSON.stringify(error)).not.toContain('secret');
    });

    it('replaces a cycle in details', () => {
      const details: Record<string, unknown> = { name: 'loop', shared: { a: 1 } };
      details['self'] = details;
      details['again'] = details['shared'];
      expect(classifyError(new PipewrightError('invalid_input', 'x', { details }), now).error.details).toEqual({
        name: 'loop',
        shared: { a: 1 },
        self: '[Circular]',
        // A shared object that is not an ancestor is written twice, not marked.
        again: { a: 1 },
      });
    });

    it('drops details that are empty, or not an object', () => {
      expect(classifyError(new PipewrightError('invalid_input', 'x'), now).error).not.toHaveProperty('details');
      expect(classifyError(new PipewrightError('invalid_input', 'x', { details: { fn: () => 1 } }), now).error).not.toHaveProperty('details');
      const foreign = { code: 'fatal', message: 'x', details: ['a'], [Symbol.for('pipewright.error')]: true };
      expect(classifyError(foreign, now).error).not.toHaveProperty('details');
    });

    it('never takes details from an error that is not a PipewrightError', () => {
      expect(classifyError(httpError({ status: 503, details: { status: 503, token: 'secret' } }), now).error).not.toHaveProperty('details');
    });
  });
});

describe('toRecordedError', () => {
  it('is the error part of classifyError', () => {
    expect(toRecordedError(new FatalError('Bad API key'))).toEqual({ code: 'fatal', message: 'Bad API key', retryable: false });
    expect(toRecordedError(httpError({ status: 503 }))).toEqual({ code: 'http_error', message: 'Request failed', retryable: true });
    expect(toRecordedError('oops')).toEqual({ code: 'error', message: 'oops', retryable: true });
  });
});
