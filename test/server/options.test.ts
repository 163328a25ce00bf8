/** Environment parsing: defaults, every variable, and a clear error naming each bad value. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEFAULT_OPTIONS, optionsFromEnv, redactUrl, resolveOptions } from '../../server/config/options.js';

test('no environment: the embedded defaults (localhost:8080, lobby, rooms of 50 members, no STUN/TURN, any origin)', () => {
  const o = optionsFromEnv({});
  assert.deepEqual(o, { ...DEFAULT_OPTIONS, stunUrls: [], allowedOrigins: '*' });
  assert.equal(o.port, 8080);
  assert.equal(o.host, '127.0.0.1');
  assert.equal(o.defaultRoom, 'lobby');
  assert.equal(o.roomMembers, 50);
  assert.equal(o.turn, undefined);
});

test('every variable is read', () => {
  const o = optionsFromEnv({
    PORT: '0',
    HOST: '0.0.0.0',
    DEFAULT_ROOM: 'support-42',
    ROOM_MEMBERS: '4',
    TURN_URLS: 'turn:turn.example:3478?transport=udp, turns:turn.example:5349?transport=tcp',
    TURN_SECRET: 's3cret',
    TURN_TTL: '900',
    STUN_URLS: 'stun:stun.example:3478',
    ICE_TRANSPORT_POLICY: 'relay',
    ALLOWED_ORIGINS: 'https://shop.example, http://127.0.0.1:5173/',
    LOG_LEVEL: 'debug',
    REDIS_URL: 'redis://127.0.0.1:6379',
  });
  assert.equal(o.port, 0);
  assert.equal(o.host, '0.0.0.0');
  assert.equal(o.defaultRoom, 'support-42');
  assert.equal(o.roomMembers, 4);
  assert.deepEqual(o.turn, {
    urls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349?transport=tcp'],
    secret: 's3cret',
    ttl: 900,
  });
  assert.deepEqual(o.stunUrls, ['stun:stun.example:3478']);
  assert.equal(o.iceTransportPolicy, 'relay');
  assert.deepEqual(o.allowedOrigins, ['https://shop.example', 'http://127.0.0.1:5173']);
  assert.equal(o.logLevel, 'debug');
  assert.equal(o.redisUrl, 'redis://127.0.0.1:6379');
  assert.equal(optionsFromEnv({ TURN_URLS: 'turn:t:3478', TURN_SECRET: 'x' }).turn?.ttl, 3600, 'TURN_TTL defaults to an hour');
  assert.equal(optionsFromEnv({ ALLOWED_ORIGINS: '*' }).allowedOrigins, '*');
});

const BAD_ENV: Array<[Record<string, string>, RegExp]> = [
  [{ PORT: 'http' }, /^PORT="http" is not valid: expected an integer 0\.\.65535$/],
  [{ PORT: '70000' }, /^PORT=/],
  [{ PORT: '-1' }, /^PORT=/],
  [{ DEFAULT_ROOM: 'the lobby' }, /^DEFAULT_ROOM=/],
  [{ ROOM_MEMBERS: '1' }, /^ROOM_MEMBERS="1" is not valid: expected an integer 2\.\.1000$/],
  [{ ROOM_MEMBERS: '1001' }, /^ROOM_MEMBERS=/],
  [{ ROOM_MEMBERS: 'two' }, /^ROOM_MEMBERS=/],
  [{ ROOM_SIZE: 'two' }, /^ROOM_SIZE=/],
  [{ TURN_URLS: 'turn:t:3478' }, /TURN_SECRET is not/],
  [{ TURN_SECRET: 'x' }, /TURN_URLS is not/],
  [{ TURN_URLS: 'http://t:3478', TURN_SECRET: 'x' }, /^TURN_URLS="http:\/\/t:3478"/],
  [{ TURN_URLS: 'stun:t:3478', TURN_SECRET: 'x' }, /^TURN_URLS=/],
  [{ TURN_URLS: 'turn:t:3478', TURN_SECRET: 'x', TURN_TTL: '10' }, /^TURN_TTL="10" is not valid: expected an integer 60\.\./],
  [{ TURN_URLS: 'turn:t:3478', TURN_SECRET: 'x', TURN_TTL: '1h' }, /^TURN_TTL=/],
  [{ TURN_TTL: '600' }, /TURN_TTL is set but TURN is not configured/],
  [{ STUN_URLS: 'stun.example:3478' }, /^STUN_URLS=/],
  [{ ICE_TRANSPORT_POLICY: 'relay-only' }, /^ICE_TRANSPORT_POLICY="relay-only" is not valid: expected all or relay$/],
  [{ ICE_TRANSPORT_POLICY: 'relay' }, /ICE_TRANSPORT_POLICY=relay needs TURN/],
  [{ ALLOWED_ORIGINS: 'shop.example' }, /^ALLOWED_ORIGINS="shop.example"/],
  [{ ALLOWED_ORIGINS: 'https://shop.example/path' }, /^ALLOWED_ORIGINS=.*no path/],
  [{ LOG_LEVEL: 'verbose' }, /^LOG_LEVEL="verbose" is not valid: expected fatal\|error\|warn\|info\|debug\|trace\|silent$/],
  [{ REDIS_URL: 'localhost:6379' }, /^REDIS_URL=/],
];

test('each bad value throws a ConfigError that names the variable and what was expected', () => {
  for (const [env, message] of BAD_ENV) {
    assert.throws(() => optionsFromEnv(env), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `${JSON.stringify(env)} throws a ConfigError`);
      assert.match(err.message, message, JSON.stringify(env));
      return true;
    });
  }
});

test('ROOM_SIZE, protocol 1\'s name, still sets the members of a room; ROOM_MEMBERS wins', () => {
  assert.equal(optionsFromEnv({ ROOM_SIZE: '2' }).roomMembers, 2);
  assert.equal(optionsFromEnv({ ROOM_SIZE: '2', ROOM_MEMBERS: '7' }).roomMembers, 7);
});

test('empty variables count as unset', () => {
  assert.deepEqual(optionsFromEnv({ PORT: '', TURN_URLS: ' ', LOG_LEVEL: '' }), optionsFromEnv({}));
});

test('resolveOptions validates programmatic options too', () => {
  assert.throws(() => resolveOptions({ roomMembers: 1 }), /^ConfigError: roomMembers=1 is not valid/);
  assert.throws(() => resolveOptions({ roomSize: 0 }), /^ConfigError: roomSize=0 is not valid/);
  assert.throws(() => resolveOptions({ rejoinMs: 0 }), ConfigError);
  assert.throws(() => resolveOptions({ defaultRoom: 'a b' }), ConfigError);
  assert.throws(() => resolveOptions({ turn: { urls: ['turn:x:1'], secret: '', ttl: 600 } }), ConfigError);
  assert.throws(() => resolveOptions({ rateLimit: { perSecond: 0, burst: 1 } }), ConfigError);
  assert.equal(resolveOptions({ roomMembers: 5 }).roomMembers, 5);
  assert.equal(resolveOptions({ roomSize: 5 }).roomMembers, 5, 'the deprecated name');
  assert.equal(resolveOptions({ roomSize: 5, roomMembers: 9 }).roomMembers, 9);
  assert.equal('roomSize' in resolveOptions({ roomSize: 5 }), false);
});

test('tokens, metrics and the demo from the environment: TOKEN_SECRET, METRICS_PORT, METRICS_HOST, METRICS_TOKEN, DEMO, NODE_ENV', () => {
  const secret = 'a'.repeat(64);
  const o = optionsFromEnv({ TOKEN_SECRET: secret, METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5', METRICS_TOKEN: 'm'.repeat(32), DEMO: 'off' });
  assert.equal(o.tokenSecret, secret);
  assert.equal(o.metricsPort, 9464);
  assert.equal(o.metricsHost, '10.0.0.5');
  assert.equal(o.metricsToken, 'm'.repeat(32));
  assert.equal(o.demo, false);
  assert.equal(o.publicMetrics, false, 'never public from the environment');

  const open = optionsFromEnv({});
  assert.equal(open.tokenSecret, undefined);
  assert.equal(open.metricsPort, undefined);
  assert.equal(open.metricsHost, '127.0.0.1');
  assert.equal(open.metricsToken, undefined);
  assert.equal(open.demo, true, 'the demo is on outside production');
  assert.equal(optionsFromEnv({ NODE_ENV: 'production' }).demo, false, 'off in production');
  assert.equal(optionsFromEnv({ NODE_ENV: 'production', DEMO: 'on' }).demo, true, 'unless asked for');
  assert.equal(optionsFromEnv({ METRICS_PORT: '0' }).metricsPort, 0, 'any free port');
});

test('MAX_TOKEN_TTL and REJOIN_SECRET from the environment; the expired-token grace programmatically', () => {
  assert.equal(optionsFromEnv({}).maxTokenTtl, 86400, 'a day by default');
  assert.equal(optionsFromEnv({}).rejoinSecret, undefined);
  assert.equal(optionsFromEnv({}).expiredTokenGraceS, 3600);
  assert.equal(optionsFromEnv({ MAX_TOKEN_TTL: '3600' }).maxTokenTtl, 3600);
  assert.equal(optionsFromEnv({ REJOIN_SECRET: 'r'.repeat(32) }).rejoinSecret, 'r'.repeat(32));
  assert.throws(() => optionsFromEnv({ MAX_TOKEN_TTL: String(8 * 86400) }), /^ConfigError: MAX_TOKEN_TTL="691200" is not valid: expected an integer 60\.\.604800$/);
  assert.throws(() => optionsFromEnv({ MAX_TOKEN_TTL: '1d' }), /MAX_TOKEN_TTL="1d" is not valid/);
  assert.throws(() => optionsFromEnv({ REJOIN_SECRET: 'short-rejoin' }), (err: unknown) => err instanceof ConfigError && /^rejoinSecret \(REJOIN_SECRET\) is not valid: expected at least 32/.test(err.message) && !err.message.includes('short-rejoin'));
  assert.throws(() => resolveOptions({ maxTokenTtl: 10 * 365 * 86400 }), /maxTokenTtl=315360000 is not valid: expected seconds 60\.\.604800/);
  assert.throws(() => resolveOptions({ expiredTokenGraceS: -1 }), /expiredTokenGraceS=-1 is not valid/);
  assert.equal(resolveOptions({ expiredTokenGraceS: 0 }).expiredTokenGraceS, 0);
});

test('secrets are named in errors, never quoted; REDIS_URL is quoted without its password', () => {
  const cases: Array<[Record<string, string>, RegExp, string]> = [
    [{ TOKEN_SECRET: 'too-short-secret' }, /^tokenSecret \(TOKEN_SECRET\) is not valid: expected at least 32 characters/, 'too-short-secret'],
    [{ METRICS_TOKEN: 'short-token' }, /^metricsToken \(METRICS_TOKEN\) is not valid: expected at least 16 characters/, 'short-token'],
    [{ REDIS_URL: 'redis//user:hunter2-password@host:6379' }, /^REDIS_URL="redis\/\/\*\*\*@host:6379" is not valid/, 'hunter2-password'],
    [{ REDIS_URL: 'redis://:hunter2-password@host:6379 x' }, /^REDIS_URL=/, 'hunter2-password'],
    [{ METRICS_PORT: 'ninety' }, /^METRICS_PORT="ninety" is not valid: expected an integer 0\.\.65535$/, '\0'],
    [{ METRICS_HOST: '0.0.0.0' }, /^METRICS_HOST is set but METRICS_PORT is not/, '\0'],
    [{ DEMO: 'yes' }, /^DEMO="yes" is not valid: expected on or off$/, '\0'],
  ];
  for (const [env, message, secret] of cases)
    assert.throws(() => optionsFromEnv(env), (err: unknown) => {
      assert.ok(err instanceof ConfigError, JSON.stringify(env));
      assert.match(err.message, message);
      assert.ok(!err.message.includes(secret), `${err.message} quotes the secret`);
      return true;
    });
  assert.equal(redactUrl('redis://:pw@127.0.0.1:6379/0'), 'redis://:***@127.0.0.1:6379/0');
  assert.equal(redactUrl('rediss://admin:pw@redis.example:6380'), 'rediss://***:***@redis.example:6380');
  assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
});

test('programmatic: the demo follows NODE_ENV unless given; tokenSecret and metricsToken are checked', () => {
  const was = process.env.NODE_ENV;
  try {
    process.env.NODE_ENV = 'production';
    assert.equal(resolveOptions({}).demo, false);
    assert.equal(resolveOptions({ demo: true }).demo, true);
    delete process.env.NODE_ENV;
    assert.equal(resolveOptions({}).demo, true);
  } finally {
    if (was === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = was;
  }
  assert.throws(() => resolveOptions({ tokenSecret: 'x' }), /tokenSecret \(TOKEN_SECRET\) is not valid/);
  assert.throws(() => resolveOptions({ metricsToken: 'x' }), /metricsToken \(METRICS_TOKEN\) is not valid/);
  assert.throws(() => resolveOptions({ metricsPort: 70000 }), /^ConfigError: metricsPort=70000 is not valid/);
  assert.equal(resolveOptions({ tokenSecret: 'k'.repeat(32) }).tokenSecret, 'k'.repeat(32));
});

test('options given in code are checked by the same row as their variable: same range, same format, same normalisation', () => {
  assert.throws(() => resolveOptions({ port: 70000 }), /^ConfigError: port=70000 is not valid: expected an integer 0\.\.65535$/);
  assert.throws(() => resolveOptions({ stunUrls: ['http://stun.example:3478'] }), /^ConfigError: stunUrls="http:\/\/stun.example:3478" is not valid: expected comma-separated stun:\/stuns: URLs/);
  assert.throws(() => resolveOptions({ turn: { urls: ['stun:t:3478'], secret: 's', ttl: 600 } }), /^ConfigError: turn\.urls="stun:t:3478" is not valid/);
  assert.throws(() => resolveOptions({ turn: { urls: ['turn:t:3478'], secret: 's', ttl: 10 } }), /^ConfigError: turn\.ttl=10 is not valid: expected seconds 60\.\.604800$/);
  assert.throws(() => resolveOptions({ turn: { urls: ['turn:t:3478'], secret: '', ttl: 600 } }), /^ConfigError: turn\.secret \(TURN_SECRET\) is not valid/);
  assert.throws(() => resolveOptions({ allowedOrigins: ['https://shop.example/path'] }), /^ConfigError: allowedOrigins="https:\/\/shop.example\/path" is not valid: expected an origin only/);
  assert.deepEqual(resolveOptions({ allowedOrigins: ['https://shop.example/'] }).allowedOrigins, ['https://shop.example'], 'a trailing slash dropped, as from ALLOWED_ORIGINS');
  assert.throws(() => resolveOptions({ logLevel: 'verbose' as never }), /^ConfigError: logLevel="verbose" is not valid: expected fatal\|error/);
  assert.throws(() => resolveOptions({ redisUrl: 'redis//:pw@host' }), (e: unknown) => e instanceof ConfigError && e.message.startsWith('redisUrl="redis//***@host"') && !e.message.includes('pw'));
  assert.throws(() => resolveOptions({ demo: 'yes' as never }), /^ConfigError: demo="yes" is not valid: expected true or false$/);
  // A deprecated name is not read when the current one is given, from code or the environment.
  assert.equal(resolveOptions({ roomMembers: 3, roomSize: 0 }).roomMembers, 3);
  assert.equal(optionsFromEnv({ ROOM_MEMBERS: '3', ROOM_SIZE: 'two' }).roomMembers, 3);
  // Explicitly undefined is not given: the default.
  assert.equal(resolveOptions({ port: undefined }).port, DEFAULT_OPTIONS.port);
});

test('the defaults are shared by nobody: changing one result changes neither DEFAULT_OPTIONS nor the next result', () => {
  const a = optionsFromEnv({});
  a.stunUrls.push('stun:x:1');
  a.rateLimit.burst = 1;
  assert.deepEqual(optionsFromEnv({}).stunUrls, []);
  assert.deepEqual(DEFAULT_OPTIONS.stunUrls, []);
  assert.equal(resolveOptions({}).rateLimit.burst, DEFAULT_OPTIONS.rateLimit.burst);
  assert.ok(Object.isFrozen(DEFAULT_OPTIONS));
});
