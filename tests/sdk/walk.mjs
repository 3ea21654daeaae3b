// A BEdita app's account walk through the official BEdita JS SDK
// (@atlasconsulting/bedita-sdk, pinned in package.json), against signet:
//
//   node walk.mjs BASE_URL USERNAME EMAIL PASSWORD NEW_PASSWORD CLIENT_ID CLIENT_SECRET
//
// signup, activation, a bad password, authenticate(), getUserAuth(), renewTokens(), a
// password change through PATCH /auth/user, the client-credentials login of an app and
// its renewal, and optout.  The activation link goes to the mailbox, which this script
// cannot read: it prints "need-uuid <email>" and reads the uuid from a line on stdin
// (tests/integration/test_bedita_sdk.py answers it from its SMTP sink).  Each step
// prints "ok <step>"; the last line is "walk ok".  Any failure prints "walk failed:
// <step>: <why>" on stderr and exits 1.
//
// With SIGNET_WALK_EXCHANGES set, every request the walk sends and the answer it gets
// (as sent and received, before the SDK's interceptors touch them) is appended to that
// file, one JSON object a line: the test checks them against doc/openapi.yaml.

import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { createInterface } from 'node:readline';
import axios from 'axios';

register('./loader.mjs', import.meta.url);
const { ApiProvider, MemoryStorageAdapter } = await import('@atlasconsulting/bedita-sdk');

const exchangeLog = process.env.SIGNET_WALK_EXCHANGES;

function note(method, url, headers, body, status, responseHeaders, responseBody) {
    if (exchangeLog) {
        appendFileSync(exchangeLog, JSON.stringify({
            method, url, headers, body: body ?? null, status,
            response_headers: responseHeaders, response_body: responseBody ?? '',
        }) + '\n');
    }
}

// client, its HTTP client's adapter wrapped to note each exchange.  The adapter sees the
// request as sent and the raw answer, refused (non-2xx) ones included.
function noted(client) {
    const http = client.getHttpClient();
    const adapter = axios.getAdapter(http.defaults.adapter);
    const keep = (config, res) => note(config.method, http.getUri(config),
        config.headers?.toJSON?.() ?? config.headers, config.data, res.status,
        res.headers?.toJSON?.() ?? res.headers, res.data);
    http.defaults.adapter = async (config) => {
        let res;
        try {
            res = await adapter(config);
        } catch (e) {
            if (e.response) {
                keep(config, e.response);
            }
            throw e;
        }
        keep(config, res);
        return res;
    };
    return client;
}

const [baseUrl, username, email, password, newPassword, clientId, clientSecret] =
    process.argv.slice(2);
if (!clientSecret) {
    console.error('usage: node walk.mjs BASE_URL USERNAME EMAIL PASSWORD NEW_PASSWORD ' +
        'CLIENT_ID CLIENT_SECRET');
    process.exit(2);
}

let step = 'start';

class WalkError extends Error {}

function check(cond, why) {
    if (!cond) {
        throw new WalkError(why);
    }
}

function ok(name) {
    console.log(`ok ${name}`);
}

// The HTTP status and BEdita error title of a rejected SDK call.
async function refused(promise) {
    try {
        const r = await promise;
        throw new WalkError(`expected a refusal, got ${r.status} ${JSON.stringify(r.data)}`);
    } catch (e) {
        if (e instanceof WalkError) {
            throw e;
        }
        check(e.response, `no HTTP answer: ${e}`);
        return { status: e.response.status, title: e.response.data?.error?.title };
    }
}

// A request outside the SDK (it would drop its own tokens on a 401).
async function probe(path, token) {
    const headers = { Accept: 'application/vnd.api+json', Authorization: `Bearer ${token}` };
    const r = await fetch(baseUrl + path, { headers });
    const text = await r.text();
    note('get', baseUrl + path, headers, null, r.status, Object.fromEntries(r.headers),
        text);
    const body = JSON.parse(text);
    return { status: r.status, title: body.error?.title, body };
}

function claims(token) {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function main() {
    const client = noted(ApiProvider.get('signet', {
        baseUrl,
        storageAdapter: new MemoryStorageAdapter(),
    }));
    const storage = client.getStorageService();

    step = 'signup';
    let r = await client.post('/signup', {
        username, password, email, activation_url: 'https://app.example.org/activate',
    });
    check(r.status === 202, `status ${r.status}`);
    check(r.data.data.type === 'users', 'not a users resource');
    check(r.data.data.attributes.status === 'draft', 'not a draft');
    const id = r.data.data.id;
    ok(step);

    step = 'activation';
    console.log(`need-uuid ${email}`);
    const answer = await lines.next();
    check(!answer.done && answer.value.trim(), 'no uuid on stdin');
    r = await client.post('/signup/activation', { uuid: answer.value.trim() });
    check(r.status === 202, `status ${r.status}`);
    ok(step);

    step = 'bad password';
    let no = await refused(client.authenticate(username, `wrong-${password}`));
    check(no.status === 401 && no.title === 'Login request not successful',
        JSON.stringify(no));
    ok(step);

    step = 'authenticate';
    r = await client.authenticate(username, password);
    check(r.status === 200, `status ${r.status}`);
    const firstJwt = await storage.getAccessToken();
    const firstRenew = await storage.getRefreshToken();
    check(firstJwt && firstRenew, 'no tokens stored');
    ok(step);

    step = 'getUserAuth';
    r = await client.getUserAuth();
    check(r.status === 200, `status ${r.status}`);
    check(r.formattedData.data.id === id, `id ${r.formattedData.data.id}, not ${id}`);
    check(r.formattedData.data.attributes.username === username, 'another username');
    check(r.formattedData.data.attributes.email === email, 'another email');
    check(JSON.stringify(r.formattedData.roles) === '["user"]',
        `roles ${JSON.stringify(r.formattedData.roles)}`);
    r = await client.getUserAuth(['roles']);
    const role = r.formattedData.data.relationships.roles.data[0];
    check(role.type === 'roles' && role.attributes.name === 'user',
        `included role not mapped: ${JSON.stringify(role)}`);
    check(JSON.parse(await storage.get('user')).data.id === id, 'user not stored');
    ok(step);

    step = 'renewTokens';
    r = await client.renewTokens();
    check(r.status === 200, `status ${r.status}`);
    const renewedJwt = await storage.getAccessToken();
    check(renewedJwt !== firstJwt, 'the same access token');
    check(await storage.getRefreshToken() !== firstRenew, 'the same renew token');
    r = await client.getUserAuth();
    check(r.formattedData.data.id === id, 'another user after renewal');
    ok(step);

    step = 'password change';
    r = await client.patch('/auth/user', { password: newPassword, old_password: password });
    check(r.status === 200, `status ${r.status}`);
    check(r.data.data.id === id, 'another user');
    const { jwt, renew } = r.data.meta || {};
    check(jwt && renew, 'no fresh token pair in meta');
    // Every older token died with the old password.
    no = await probe('/auth/user', renewedJwt);
    check(no.status === 401 && no.title === 'Request not authorized', JSON.stringify(no));
    await storage.setAccessToken(jwt);
    await storage.setRefreshToken(renew);
    r = await client.getUserAuth();
    check(r.formattedData.data.id === id, 'the fresh token is not the user\'s');
    r = await client.renewTokens();
    check(r.status === 200, `renewal with the fresh renew token: ${r.status}`);
    no = await refused(client.authenticate(username, password));
    check(no.status === 401, `the old password still logs in: ${JSON.stringify(no)}`);
    r = await client.authenticate(username, newPassword);
    check(r.status === 200, `the new password does not log in: ${r.status}`);
    ok(step);

    step = 'client credentials';
    const app = noted(ApiProvider.get('signet-app', {
        baseUrl, clientId, clientSecret, storageAdapter: new MemoryStorageAdapter(),
    }));
    r = await app.clientCredentials();
    check(r.status === 200, `status ${r.status}`);
    const appJwt = await app.getStorageService().getAccessToken();
    check(claims(appJwt).app?.id === clientId, `app claim ${JSON.stringify(claims(appJwt))}`);
    r = await app.renewTokens();
    check(r.status === 200, `renewal: status ${r.status}`);
    check(await app.getStorageService().getAccessToken() !== appJwt, 'the same app token');
    no = await refused(app.getUserAuth());
    check(no.status === 401 && no.title === 'Authentication is required to continue',
        `an app token is a user: ${JSON.stringify(no)}`);
    const wrong = noted(ApiProvider.get('signet-wrong', {
        baseUrl, clientId, clientSecret: `x${clientSecret}`,
        storageAdapter: new MemoryStorageAdapter(),
    }));
    no = await refused(wrong.clientCredentials());
    check(no.status === 401 && no.title === 'App authentication failed', JSON.stringify(no));
    ok(step);

    step = 'optout';
    r = await client.post('/auth/optout', {
        username, password: newPassword, grant_type: 'password',
    });
    check(r.status === 204, `status ${r.status}`);
    no = await refused(client.authenticate(username, newPassword));
    check(no.status === 401 && no.title === 'Login request not successful',
        `logs in after optout: ${JSON.stringify(no)}`);
    ok(step);
}

try {
    await main();
    console.log('walk ok');
    process.exit(0);
} catch (e) {
    const why = e instanceof WalkError ? e.message :
        e.response ? `${e.response.status} ${JSON.stringify(e.response.data)}` : String(e);
    console.error(`walk failed: ${step}: ${why}`);
    process.exit(1);
}
