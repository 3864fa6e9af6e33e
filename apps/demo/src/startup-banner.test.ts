import { describe, expect, it } from 'vitest';
import { baseUrlOf, printableDatabaseUrl, startupBanner } from './startup-banner';

describe('startup banner', () => {
  it('builds the base URL, bracketing an IPv6 host', () => {
    expect(baseUrlOf('localhost', 8080)).toBe('http://localhost:8080');
    expect(baseUrlOf('::1', 41234)).toBe('http://[::1]:41234');
  });

  it('masks a database password and leaves other URLs alone', () => {
    expect(printableDatabaseUrl('postgres://pw:s3cret@db:5432/pw')).toBe('postgres://pw:***@db:5432/pw');
    expect(printableDatabaseUrl('sqlite:/tmp/data/pipewright.db')).toBe('sqlite:/tmp/data/pipewright.db');
  });

  it('starts with the line scripts wait for and ends with a token line to paste', () => {
    const lines = startupBanner({ baseUrl: 'http://localhost:8080', database: 'sqlite:./.data/pipewright.db', token: 'pw_demo_x', tokenOrigin: 'file', tokenFile: '/srv/.data/demo-token' });
    expect(lines[0]).toBe('Pipewright listening on http://localhost:8080');
    expect(lines).toContain('  export TOKEN=pw_demo_x');
    expect(lines).toContain('  curl -H "Authorization: Bearer $TOKEN" http://localhost:8080/api/workflows');
    expect(lines.some((line) => line.includes('kept in /srv/.data/demo-token'))).toBe(true);
  });
});
