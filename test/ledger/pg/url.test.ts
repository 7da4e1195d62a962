// PostgreSQL ledger locations (no server needed): which strings are URLs, the display form
// without any password, the full URL kept for connecting, and messages scrubbed of passwords.
import { afterEach, describe, expect, it } from 'vitest';
import { locateLedger } from '../../../src/config/run-config.js';
import { isPostgresUrl, ledgerLocationProblem, passwordsIn, pgConnectionUrl, redactLocation, redactPgUrl, rememberPgUrl, stripPasswords } from '../../../src/ledger/pg/url.js';
import { ConfigError } from '../../../src/errors.js';
import { anotherLedgerText } from '../../../src/cli/ledger-notes.js';

const saved = process.env.PGPASSWORD;
afterEach(() => {
  if (saved === undefined) delete process.env.PGPASSWORD;
  else process.env.PGPASSWORD = saved;
});

describe('PostgreSQL ledger locations', () => {
  it('postgres:// and postgresql:// (any case) name a database; paths, other schemes and look-alikes do not', () => {
    for (const yes of ['postgres://h/db', 'postgresql://u@h:5433/db?sslmode=verify-full', 'POSTGRES://h/db', ' postgres://h/db ']) expect(isPostgresUrl(yes)).toBe(true);
    for (const no of ['ledger.jsonl', '/srv/postgres://x', './postgres:/x', 'mysql://h/db', 'postgres:/h', 'file:///x.jsonl']) expect(isPostgresUrl(no)).toBe(false);
  });

  it('the display form drops the password of the userinfo and of the query, keeps everything else', () => {
    expect(redactPgUrl('postgres://genuin:s3cr%40t@db.internal:5432/prod?sslmode=verify-full')).toBe('postgres://genuin@db.internal:5432/prod?sslmode=verify-full');
    expect(redactPgUrl('postgresql://genuin@db/prod?password=s3cret&sslmode=require')).toBe('postgresql://genuin@db/prod?sslmode=require');
    expect(redactPgUrl('postgres://db/prod')).toBe('postgres://db/prod');
    // Not a URL the WHATWG parser reads: the userinfo goes whole.
    expect(redactPgUrl('postgres://u:p w@[bad/db')).toBe('postgres://***@[bad/db');
  });

  it('the config holds the display form; the store connects with the full URL; a path stays a path', () => {
    const url = 'postgres://genuin:pa55-word@db.internal/prod';
    const fromFlag = locateLedger({ ledger: url }, {}, '/work');
    expect(fromFlag).toEqual({ path: 'postgres://genuin@db.internal/prod', from: '--ledger' });
    expect(pgConnectionUrl(fromFlag.path)).toBe(url);
    expect(locateLedger({}, { GENUIN_LEDGER: url }, '/work').path).toBe('postgres://genuin@db.internal/prod');
    expect(locateLedger({ ledger: 'l.jsonl' }, {}, '/work').path).toBe('/work/l.jsonl');
    // A URL never remembered connects as given (a library caller's own config).
    expect(pgConnectionUrl('postgres://other@h/db')).toBe('postgres://other@h/db');
    expect(rememberPgUrl(url)).toBe('postgres://genuin@db.internal/prod');
  });

  it('messages lose every password: the URL\'s (raw and decoded), the query\'s, PGPASSWORD', () => {
    process.env.PGPASSWORD = 'from-env-pw';
    const url = 'postgres://u:p%40ss@h/db?password=q-pw';
    expect(passwordsIn(url).sort()).toEqual(['from-env-pw', 'p%40ss', 'p@ss', 'q-pw'].sort());
    expect(stripPasswords('failed for p@ss, p%40ss, q-pw and from-env-pw', url)).toBe('failed for ***, ***, *** and ***');
  });

  it('the "probably another ledger" note names GENUIN_LEDGER without its password', () => {
    const text = anotherLedgerText({ path: 'postgres://u@h/db', from: 'GENUIN_LEDGER' }, 5, { GENUIN_LEDGER: 'postgres://u:hunter2@h/db' } as never, '/work');
    expect(text).toContain('given by GENUIN_LEDGER=postgres://u@h/db');
    expect(text).not.toContain('hunter2');
  });

  it('near-misses are refused, files are not: a misspelt scheme, a scheme with //, a user:password@', () => {
    const refused: [string, RegExp][] = [
      ['postgress://u:pw@h/db', /the scheme "postgress:" is not postgres/],
      ['postgres:/u:pw@h/db', /"postgres:" must be followed by \/\//],
      ['postgresql:x', /"postgresql:" must be followed by \/\//],
      ['pg://h/db', /the scheme "pg:"/],
      ['PostgreSQl:/h/db', /must be followed by/],
      ['postgre://h/db', /the scheme "postgre:"/],
      ['mysql://h/db', /the scheme "mysql:\/\/"/],
      ['file:///x.jsonl', /the scheme "file:\/\/"/],
      ['./postgres://h/db', /the scheme "postgres:\/\/"/],
      ['u:pw@h/db', /user:password@/],
      ['/srv/u:pw@h/db', /user:password@/],
    ];
    for (const [location, why] of refused) expect(ledgerLocationProblem(location), location).toMatch(why);
    for (const ok of ['ledger.jsonl', '/srv/genuin/ledger.jsonl', 'C:\\genuin\\ledger.jsonl', 'C:/genuin/l.jsonl', 'ledger-2026-01-01T02:00.jsonl', 'me@example/ledger.jsonl', 'postgres://u:pw@h/db', 'postgresql://h/db']) {
      expect(ledgerLocationProblem(ok), ok).toBeUndefined();
    }
    expect(() => locateLedger({ ledger: 'postgress://u:pw@h/db' }, {}, '/work')).toThrow(ConfigError);
    expect(() => locateLedger({}, { GENUIN_LEDGER: 'postgres:/u:pw@h/db' }, '/work')).toThrow(/^GENUIN_LEDGER postgres:\*\*\*@h\/db looks like a URL/);
  });

  it('any spelling is shown without its password', () => {
    expect(redactLocation('postgress://genuin:pw@db/prod')).toBe('postgress://genuin:***@db/prod');
    expect(redactLocation('postgres:/genuin:p/w@db/prod')).toBe('postgres:***@db/prod');
    expect(redactLocation('genuin:p@ss@db/prod')).toBe('genuin:***@db/prod');
    expect(redactLocation('pg://db/prod?sslmode=require&password=pw')).toBe('pg://db/prod?sslmode=require&password=***');
    expect(redactLocation('pg://genuin@db/prod')).toBe('pg://genuin@db/prod');
  });

  it("PGPASSWORD from the run's environment (.env included) is the password of a URL without one; the URL's own wins", () => {
    const shown = locateLedger({ ledger: 'postgres://genuin@dotenv-host/prod' }, { PGPASSWORD: 'from-dotenv' }, '/work').path;
    expect(shown).toBe('postgres://genuin@dotenv-host/prod');
    expect(new URL(pgConnectionUrl(shown)).searchParams.get('password')).toBe('from-dotenv');
    const own = locateLedger({ ledger: 'postgres://genuin:own@dotenv-host2/prod' }, { PGPASSWORD: 'from-dotenv' }, '/work').path;
    expect(pgConnectionUrl(own)).toBe('postgres://genuin:own@dotenv-host2/prod');
  });
});
