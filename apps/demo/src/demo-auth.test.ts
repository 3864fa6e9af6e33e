import { describe, expect, it } from 'vitest';
import { demoAuthorizer } from './demo-auth';

function withAuthorization(value?: string): Request {
  return new Request('http://127.0.0.1/api/workflows', value === undefined ? {} : { headers: { authorization: value } });
}

describe('demoAuthorizer', () => {
  const authorize = demoAuthorizer('pw_demo_0123456789abcdef');

  it('lets the bearer of the demo token in as the demo tenant admin', () => {
    expect(authorize(withAuthorization('Bearer pw_demo_0123456789abcdef'))).toEqual({ tenantId: 'demo', userId: 'demo', role: 'admin' });
    expect(authorize(withAuthorization('bearer pw_demo_0123456789abcdef'))).not.toBeNull();
  });

  it('turns away everything else', () => {
    for (const value of [undefined, '', 'Bearer', 'Bearer ', 'Bearer pw_demo_0123456789abcde', 'Bearer pw_demo_0123456789abcdef0', 'Basic cHc6cHc=', 'pw_demo_0123456789abcdef', 'Bearer pw_demo_0123456789abcdef extra']) {
      expect(authorize(withAuthorization(value)), String(value)).toBeNull();
    }
  });
});
