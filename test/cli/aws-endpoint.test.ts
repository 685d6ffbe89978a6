/**
 * The CLI against an endpoint that is not AWS: one that answers HTTP 404 to
 * everything (a wrong AWS_ENDPOINT_URL, or a proxy), a closed port and a
 * host name that does not resolve. Each command that calls AWS (status,
 * resume, plan) says so in one line naming the endpoint, at once: none of
 * them spends its deadline retrying.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { cli } from './run-cli';
import { ByoipSendingPool } from '../../src';
import { endpointProblem, SES } from '../../src/cli/aws-endpoint';
import { LocalSesEndpoint } from '../support/local-ses-endpoint';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(60_000);

const RANGE = '8.8.8.0/24';
/** Dummy credentials and a Region: no endpoint variable. */
const BASE = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local-dummy-secret' };

/** A local HTTP server that answers every request 404, with `body` (and its content type). */
async function answering404(body: string, contentType: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(404, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A cloud assembly with one stack that holds a pool, for plan. */
function synthesized(root: string): string {
  const dir = path.join(root, 'cdk.out');
  const app = new App({ outdir: dir });
  new ByoipSendingPool(new Stack(app, 'Mail', { env: { account: '111122223333', region: 'us-east-1' } }), 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail' });
  app.synth();
  return dir;
}

let root: string;
let assembly: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-endpoint-test-'));
  assembly = synthesized(root);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('an endpoint that answers HTTP 404 to everything', () => {
  let server: { url: string; stop: () => Promise<void> };
  afterEach(() => server.stop());

  test.each([
    ['a JSON body without an error type (the SDK\'s UnknownError)', '{"message":"Not Found"}', 'application/json'],
    ['an HTML page', '<html><body><h1>Not Found</h1></body></html>', 'text/html'],
  ])('status, AWS_ENDPOINT_URL wrong, %s: the HTTP status and the endpoint, and the variable to check; exit 4', async (_, body, contentType) => {
    server = await answering404(body, contentType);
    const { code, stdout, stderr } = await cli(['status', '--cidr', RANGE], { ...BASE, AWS_ENDPOINT_URL: server.url });
    expect(stderr).toBe(`ses-byoip: SES GetDedicatedIps failed: the endpoint ${server.url} answered HTTP 404 (Not Found) to GET /v2/email/dedicated-ips, ` +
      `which is not an answer of the SES API. Is AWS_ENDPOINT_URL (${server.url}) right for SES (AWS_ENDPOINT_URL_SESV2 sets SES's alone), ` +
      'or does a proxy answer in its place?\n');
    expect(stdout).toBe('');
    expect(code).toBe(4);
  });

  test('resume, AWS_ENDPOINT_URL_SESV2 wrong: names that variable; --json has the same line', async () => {
    server = await answering404('', 'text/plain');
    const { code, stdout, stderr } = await cli(['resume', '--configuration-set', 'tx', '--json'], { ...BASE, AWS_ENDPOINT_URL_SESV2: server.url });
    const problem = `SES GetConfigurationSet failed: the endpoint ${server.url} answered HTTP 404 (Not Found) to GET /v2/email/configuration-sets/tx, ` +
      `which is not an answer of the SES API. Is AWS_ENDPOINT_URL_SESV2 (${server.url}) right, or does a proxy answer in its place?`;
    expect(stderr).toBe(`ses-byoip: ${problem}\n`);
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'API_FAILURE', exitCode: 4, message: problem, problems: [problem] } });
    expect(code).toBe(4);
  });

  test('plan: STS, the first call, says the same of its endpoint', async () => {
    server = await answering404('<html>Not Found</html>', 'text/html');
    const { code, stderr } = await cli(['plan', '--app', assembly], { ...BASE, AWS_ENDPOINT_URL: server.url });
    expect(stderr).toBe(`ses-byoip: STS GetCallerIdentity failed: the endpoint ${server.url} answered HTTP 404 (Not Found) to POST /, ` +
      `which is not an answer of the STS API. Is AWS_ENDPOINT_URL (${server.url}) right for STS (AWS_ENDPOINT_URL_STS sets STS's alone), ` +
      'or does a proxy answer in its place?\n');
    expect(code).toBe(4);
  });
});

describe('nothing listens, or the host name does not resolve: one line within seconds, not the deadline', () => {
  let closed: string;
  beforeAll(async () => {
    const ep = await LocalSesEndpoint.start();
    closed = ep.url;
    await ep.stop();
  });

  test.each([
    [['status', '--cidr', RANGE], 'SES GetDedicatedIps'],
    [['resume', '--configuration-set', 'tx'], 'SES GetConfigurationSet'],
    [['plan', '--app', '<assembly>'], 'STS GetCallerIdentity'],
  ])('%j, connection refused, without --timeout: names the endpoint, exit 4', async (args, call) => {
    const started = Date.now();
    const { code, stderr } = await cli(args.map((arg) => (arg === '<assembly>' ? assembly : arg)), { ...BASE, AWS_ENDPOINT_URL: closed });
    const service = call.split(' ')[0];
    const variable = service === 'SES' ? 'AWS_ENDPOINT_URL_SESV2' : 'AWS_ENDPOINT_URL_STS';
    expect(stderr).toBe(`ses-byoip: ${call} failed: nothing answers at ${closed} (connection refused). ` +
      `Is AWS_ENDPOINT_URL (${closed}) right for ${service} (${variable} sets ${service}'s alone), and is that endpoint up?\n`);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(code).toBe(4);
  });

  test('status, a host name that does not resolve: names it, exit 4', async () => {
    const started = Date.now();
    const endpoint = 'http://no-such-host.invalid';
    const { code, stderr } = await cli(['status', '--cidr', RANGE], { ...BASE, AWS_ENDPOINT_URL_SESV2: endpoint });
    expect(stderr).toMatch(new RegExp('^ses-byoip: SES GetDedicatedIps failed: the host name no-such-host\\.invalid of http://no-such-host\\.invalid does not resolve ' +
      '\\((ENOTFOUND|EAI_AGAIN)\\)\\. Is AWS_ENDPOINT_URL_SESV2 \\(http://no-such-host\\.invalid\\) right\\?\\n$'));
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(code).toBe(4);
  });
});

describe('endpointProblem', () => {
  const request = { protocol: 'https:', hostname: 'email.eu-west-1.amazonaws.com', method: 'GET', path: '/v2/email/dedicated-ips' };
  const answer = (name: string, status: number, requestId?: string) =>
    Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status, ...(requestId ? { requestId } : {}) } });

  test.each([
    ['a modelled SES error (NotFoundException 404)', answer('NotFoundException', 404)],
    ['an error the SDK could not read, but with AWS\'s request ID', answer('Unknown', 404, 'c0ffee')],
    ['a 503 (the retries\' business)', answer('Unknown', 503)],
    ['a query-protocol error with its code (ValidationError 400)', Object.assign(answer('ValidationError', 400), { Error: { Code: 'ValidationError' } })],
    ['a plain failure without an answer', new Error('socket hang up')],
  ])('%s is not an endpoint problem', (_, error) => {
    expect(endpointProblem(error, SES, 'GetDedicatedIps', request)).toBeUndefined();
  });

  test('an answer the SDK could not read, without a request ID, is one', () => {
    expect(endpointProblem(answer('Unknown', 403), SES, 'GetDedicatedIps', request)?.message).toMatch(
      /^SES GetDedicatedIps failed: the endpoint https:\/\/email\.eu-west-1\.amazonaws\.com answered HTTP 403 \(Forbidden\) to GET \/v2\/email\/dedicated-ips, which is not an answer of the SES API\. /);
  });
});
