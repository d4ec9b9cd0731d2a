/** The CLI's connection rules and terminal hygiene, without a server: where the token may come from and where it may go. */
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connection, isLoopback, jsonLine, printable } from '../../bin/newsroom-client';

const dir = mkdtempSync(join(tmpdir(), 'newsroom-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noStdin = () => {
  throw new Error('standard input was read');
};

describe('isLoopback', () => {
  it.each([
    ['http://127.0.0.1:3000', true],
    ['http://127.1.2.3', true],
    ['http://127.1', true], // normalised to 127.0.0.1
    ['http://localhost:3000', true],
    ['http://LOCALHOST', true],
    ['http://[::1]:3000', true],
    ['http://[::ffff:127.0.0.1]', true],
    ['http://128.0.0.1', false],
    ['http://10.0.0.5:3000', false],
    ['http://[::2]', false],
    ['http://localhost.example.org', false],
    ['http://127.0.0.1.example.org', false],
    ['https://newsroom.example.org', false],
  ])('%s → %s', (url, loopback) => {
    expect(isLoopback(new URL(url))).toBe(loopback);
  });
});

describe('connection', () => {
  it('sends a token over https anywhere and over http only to this machine', () => {
    const env = { NEWSROOM_TOKEN: 'secret' };
    expect(connection({ url: 'https://newsroom.example.org/' }, env, noStdin)).toEqual({ url: 'https://newsroom.example.org', token: 'secret' });
    expect(connection({ url: 'http://127.0.0.1:3000' }, env, noStdin).token).toBe('secret');
    expect(() => connection({ url: 'http://newsroom.example.org' }, env, noStdin)).toThrow(
      /refusing to send the editor token \(from NEWSROOM_TOKEN\)/,
    );
    // Without a token, plain http is only a public read.
    expect(connection({ url: 'http://newsroom.example.org' }, {}, noStdin)).toEqual({ url: 'http://newsroom.example.org' });
  });

  it("uses the local newsroom's generated token for a newsroom on this machine only", () => {
    const data = join(dir, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'editor-token'), 'editor:local-token\n', { mode: 0o600 });
    const env = { NEWSROOM_DATA_DIR: data };
    expect(connection({}, env, noStdin).token).toBe('local-token');
    expect(connection({ url: 'https://newsroom.example.org' }, env, noStdin).token).toBeUndefined();
    expect(connection({ url: 'http://10.0.0.5:3000' }, env, noStdin).token).toBeUndefined();
  });

  it('takes --token-file, then --token-stdin, then NEWSROOM_TOKEN, then NEWSROOM_TOKEN_FILE', () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'from-file\n', { mode: 0o600 });
    const env = { NEWSROOM_TOKEN: 'from-env', NEWSROOM_TOKEN_FILE: file };
    expect(connection({ tokenFile: file }, env, noStdin).token).toBe('from-file');
    expect(connection({ tokenStdin: true }, env, () => 'from-stdin\nignored\n').token).toBe('from-stdin');
    expect(connection({}, env, noStdin).token).toBe('from-env');
    expect(connection({}, { NEWSROOM_TOKEN_FILE: file }, noStdin).token).toBe('from-file');
    expect(() => connection({ tokenStdin: true }, {}, () => '\n')).toThrow(/no token in standard input/);
    expect(() => connection({ tokenFile: file, tokenStdin: true }, {}, noStdin)).toThrow(/not both/);
  });

  it('refuses a token file that others can read or write', () => {
    for (const mode of [0o644, 0o640, 0o620, 0o604]) {
      const file = join(dir, `token-${mode.toString(8)}`);
      writeFileSync(file, 'secret');
      chmodSync(file, mode); // not through writeFileSync, where the umask would clear group write
      expect(() => connection({ tokenFile: file }, {}, noStdin)).toThrow(`is open to other users (mode ${mode.toString(8)})`);
    }
    expect(() => connection({ tokenFile: join(dir, 'missing') }, {}, noStdin)).toThrow(/cannot read the token file .*: ENOENT/);
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => connection({ url: 'newsroom.example.org' }, {}, noStdin)).toThrow(/is not a URL/);
    expect(() => connection({ url: 'file:///etc/passwd' }, {}, noStdin)).toThrow(/over http or https/);
  });
});

describe('printable', () => {
  it('keeps text, newlines and tabs, and drops escape sequences, controls and bidi overrides', () => {
    expect(printable('Bakiyev flees\n\tBishkek — «Ош» 🇰🇬')).toBe('Bakiyev flees\n\tBishkek — «Ош» 🇰🇬');
    expect(printable('\u001b[31mred\u001b[0m \u001b[2J\u001b[10;1Hmoved')).toBe('red moved');
    expect(printable('a\u001b]0;window title\u0007b \u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\')).toBe('ab link');
    expect(printable('over\rwrite\u0008\u0000\u007f')).toBe('overwrite');
    expect(printable('c1\u009b2Jx\u0085\u0090')).toBe('c1x');
    expect(printable('\u202etxt.exe\u202c \u2066isolated\u2069')).toBe('txt.exe isolated');
    expect(printable('ends in a bare escape\u001b')).toBe('ends in a bare escape');
  });
});

describe('jsonLine', () => {
  it('escapes what JSON.stringify leaves raw, and still parses back to the same value', () => {
    const value = { quote: 'a\u007fb\u0085c\u202ed\u2028e\u001bf' };
    const line = jsonLine(value);
    expect(line).toBe('{"quote":"a\\u007fb\\u0085c\\u202ed\\u2028e\\u001bf"}');
    expect(JSON.parse(line)).toEqual(value);
  });
});
