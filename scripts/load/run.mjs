// One load run against a running roster-local, with autocannon (npm, pinned in
// package.json): `node scripts/load/run.mjs '<json>'`, the JSON naming base, token, org,
// mode (trivial | list | search | mixed), connections, seconds, seeded (how many members
// named seed<i>@load.test there are) and member_ids (members to update). Prints one JSON
// line: requests per second, latency p50/p99 (ms), totals, and each request kind's status
// counts (so the caller can check what the store holds afterwards).
import autocannon from 'autocannon';

const cfg = JSON.parse(process.argv[2]);
const headers = { authorization: `Bearer ${cfg.token}`, 'content-type': 'application/json' };
const counts = {};
const random = (n) => Math.floor(Math.random() * n);
let invited = 0;

function request(kind, method, path) {
  const fixed = typeof path === 'string';
  return {
    method,
    path: fixed ? path : '/',
    headers,
    setupRequest: (req) => {
      if (!fixed) Object.assign(req, path());
      return req;
    },
    onResponse: (status) => {
      const key = `${kind} ${status}`;
      counts[key] = (counts[key] ?? 0) + 1;
    },
  };
}

const members = `/v1/orgs/${cfg.org}/members`;
const me = request('me', 'GET', '/v1/me');
const list = request('list', 'GET', `${members}?tab=unlicensed&limit=50`);
const search = request('search', 'GET', () => ({ path: `${members}?tab=unlicensed&limit=25&q=seed${random(cfg.seeded)}` }));
const member = request('member', 'GET', () => ({ path: `${members}/${cfg.member_ids[random(cfg.member_ids.length)]}` }));
const invite = request('invite', 'POST', () => ({
  path: `/v1/orgs/${cfg.org}/invitations`,
  body: JSON.stringify({ email: `load-${process.pid}-${invited++}@load.test`, role: 'member' }),
}));
const update = request('update', 'PATCH', () => ({
  path: `${members}/${cfg.member_ids[random(cfg.member_ids.length)]}`,
  body: JSON.stringify({ position: `Position ${random(1_000_000)}` }),
}));

const plans = {
  trivial: [request('jwks', 'GET', '/.well-known/jwks.json')],
  list: [list],
  search: [search],
  // Ten requests each connection goes through in turn: 70 % reads, 20 % invites, 10 % updates.
  mixed: [me, list, search, invite, member, search, update, list, invite, me],
};

const result = await autocannon({
  url: cfg.base,
  connections: cfg.connections,
  duration: cfg.seconds,
  requests: plans[cfg.mode],
});
console.log(
  JSON.stringify({
    mode: cfg.mode,
    rps: result.requests.average,
    total: result.requests.total,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    status: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
    counts,
  }),
);
