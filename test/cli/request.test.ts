import { InvalidInput } from '../../src/cli/errors';
import { buildRequest, formatRequest, RequestInput, SIGNATURE_PLACEHOLDER } from '../../src/cli/request';
import { checkRange } from '../../src/rules/range-rules';

const GOOD: RequestInput = {
  cidr: '8.8.8.0/24',
  account: '111122223333',
  region: 'ap-south-1',
  registry: 'APNIC',
  useCase: '  Transactional mail for our customers.  ',
};

function problemsOf(input: RequestInput): readonly string[] {
  try {
    buildRequest(input);
  } catch (error) {
    if (error instanceof InvalidInput) return error.problems;
    throw error;
  }
  throw new Error('expected InvalidInput');
}

test('builds the e-mail with the five items AWS asks for', () => {
  const request = buildRequest(GOOD);
  expect(request).toMatchObject({
    to: 'ses-byoip-request@amazon.com',
    subject: 'Amazon SES BYOIP request: 8.8.8.0/24 for account 111122223333 in ap-south-1',
    accountId: '111122223333',
    region: 'ap-south-1',
    useCase: 'Transactional mail for our customers.',
    ipRange: '8.8.8.0/24',
    registry: 'APNIC',
    warnings: [],
  });
  for (const item of [
    '1. AWS account ID: 111122223333',
    '2. AWS Region: ap-south-1',
    '3. Use case: Transactional mail for our customers.',
    '4. IP address range: 8.8.8.0/24',
    '5. Regional Internet Registry: APNIC',
  ]) {
    expect(request.body).toContain(item);
  }
  expect(formatRequest(request)).toMatch(/^To: ses-byoip-request@amazon.com\nSubject: Amazon SES BYOIP request: .*\n\nHello,\n/);
});

test.each([
  ['RIPE_NCC', 'RIPE NCC'],
  ['ripe ncc', 'RIPE NCC'],
  ['Ripe-NCC', 'RIPE NCC'],
  ['arin', 'ARIN'],
  ['LACNIC', 'LACNIC'],
  ['AfriNIC', 'AFRINIC'],
  ['ripe_ncc', 'RIPE NCC'],
  ['RipeNcc', 'RIPE NCC'],
  ['Ripe.NCC', 'RIPE NCC'],
])('accepts the registry %s', (registry, name) => {
  expect(buildRequest({ ...GOOD, registry }).registry).toBe(name);
});

test.each(['ripe', 'RIPE', 'Ripe'])('fails on the registry %j, suggesting RIPE_NCC (case is not the problem)', (registry) => {
  expect(problemsOf({ ...GOOD, registry })).toEqual([
    `--registry ${JSON.stringify(registry)} names RIPE, whose Regional Internet Registry is the RIPE NCC: write --registry RIPE_NCC (in any case).`,
  ]);
});

test('checks the range with the library\'s range rules, by rule ID and problem', () => {
  expect(problemsOf({ ...GOOD, cidr: '10.0.0.0/24' })).toEqual([
    expect.stringMatching(/^\[SesByoip-NotPublic\] cidr "10.0.0.0\/24" is inside 10.0.0.0\/8/),
  ]);
  expect(problemsOf({ ...GOOD, cidr: '8.8.8.9/24' })[0]).toMatch(/^\[SesByoip-HostBits\]/);
  expect(problemsOf({ ...GOOD, cidr: '8.8.8.0/23' })[0]).toMatch(/^\[SesByoip-PrefixLength\]/);
  expect(problemsOf({ ...GOOD, cidr: '8.8.8.0 /24' })[0]).toMatch(/^\[SesByoip-InvalidCidr\]/);
});

test('warns on a documentation range, as the range rules do', () => {
  expect(buildRequest({ ...GOOD, cidr: '198.51.100.0/24' }).warnings).toEqual([
    expect.stringMatching(/^\[SesByoip-DocumentationRange\]/),
  ]);
});

test('fails naming every missing or bad item at once', () => {
  expect(problemsOf({})).toEqual([
    '--cidr is required: the /24 to bring, as your Regional Internet Registry lists it (a.b.c.0/24).',
    '--account is required: the 12-digit ID of the AWS account that will send from the range.',
    '--region is required: the one AWS Region where SES will send from the range, e.g. --region us-east-1.',
    '--registry is required: the Regional Internet Registry of the range, one of ARIN, RIPE_NCC, APNIC, LACNIC, AFRINIC.',
    '--use-case is required: a few sentences on what you send from the range (e.g. "transactional mail for our customers").',
  ]);
  expect(problemsOf({ ...GOOD, account: '1111-2222-3333', region: 'US East', registry: 'IANA', useCase: 'x'.repeat(2001) })).toEqual([
    '--account "1111-2222-3333" is not an AWS account ID: give its 12 digits, e.g. --account 111122223333.',
    '--region "US East" is not an AWS Region name: give it as AWS writes it, e.g. --region eu-west-1.',
    '--registry "IANA" is not a Regional Internet Registry: use one of ARIN, RIPE_NCC, APNIC, LACNIC, AFRINIC (in any case).',
    '--use-case is 2001 characters long: keep it under 2000.',
  ]);
});

test.each(['us-east-1', 'ap-southeast-2', 'us-gov-west-1', 'eu-central-2', 'il-central-1'])('accepts the Region %s', (region) => {
  expect(buildRequest({ ...GOOD, region }).region).toBe(region);
});

test('signs the e-mail with a placeholder, and names it for the sender to fill', () => {
  const request = buildRequest(GOOD);
  expect(request.body.endsWith(`\nThank you,\n${SIGNATURE_PLACEHOLDER}`)).toBe(true);
  expect(SIGNATURE_PLACEHOLDER).toBe('[Your name, title, company and a phone number]');
  expect(request.placeholders).toEqual([SIGNATURE_PLACEHOLDER]);
});

/** What `request` says about a range: its problems, or its warnings if it is accepted. */
function messagesAbout(cidr: string): readonly string[] {
  try {
    return buildRequest({ ...GOOD, cidr }).warnings;
  } catch (error) {
    if (error instanceof InvalidInput) return error.problems;
    throw error;
  }
}

/** The ranges a message quotes, e.g. "8.8.8.0/24". */
function quotedRanges(text: string): string[] {
  return [...text.matchAll(/"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2})"/g)].map((match) => match[1]);
}

describe('range findings in request terms', () => {
  const BAD_RANGES = [
    '10.0.0.0/23', '0.0.0.0/0', '198.51.100.7/24', '203.0.113.0/25', 'abc',
    '8.8.8.0/23', '8.8.8.0/16', '8.8.8.7/24', '8.8.8.0/25', '8.8.8.9/32', '10.0.0.7/24', '192.168.1.0/24',
    '198.51.100.0/23', ' 8.8.08.0 / 24', '198.51.100.0/24',
  ];

  test.each(BAD_RANGES)('%j: no construct-speak, and every range quoted as an example passes checkRange', (cidr) => {
    const messages = messagesAbout(cidr);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message).toMatch(/^\[SesByoip-\w+\] /);
    expect(message).not.toMatch(/ByoipSendingPool|Annotations|acknowledge|construct|cdk deploy|\bdeploy/i);
    // Any other range the message names is one checkRange accepts; one a fix suggests is accepted without a warning.
    for (const range of quotedRanges(message).filter((quoted) => quoted !== cidr)) {
      expect(checkRange(range)).toMatchObject({ accepted: true });
    }
    const fix = message.slice(message.indexOf(' Fix: '));
    for (const range of quotedRanges(fix)) {
      expect(checkRange(range)).toMatchObject({ accepted: true, warning: undefined });
    }
  });

  test.each([
    ['8.8.8.0/23', 'SesByoip-PrefixLength', 'AWS approves one /24 per request: send one request per /24 of the block, e.g. one for "8.8.8.0/24" (each counts toward the account\'s BYOIP quota in the Region).'],
    ['10.0.0.0/23', 'SesByoip-PrefixLength', 'AWS approves one public /24 per request: send one request for each public /24 registered to your organization that you want to bring (each counts toward the account\'s BYOIP quota in the Region).'],
    ['0.0.0.0/0', 'SesByoip-PrefixLength', 'AWS approves one public /24 per request: send one request for each public /24 registered to your organization that you want to bring (each counts toward the account\'s BYOIP quota in the Region).'],
    ['8.8.8.0/25', 'SesByoip-PrefixLength', 'AWS approves whole /24 ranges only: ask for the /24 that contains it, "8.8.8.0/24", if it is registered to your organization.'],
    ['203.0.113.0/25', 'SesByoip-PrefixLength', 'AWS approves whole /24 ranges only: ask for the /24 that contains it, if it is registered to your organization.'],
    ['8.8.8.7/24', 'SesByoip-HostBits', 'give the /24 by its first address, ending in .0 ("8.8.8.0/24"), if that is the range registered to your organization.'],
    ['198.51.100.7/24', 'SesByoip-HostBits', 'give the /24 by its first address, ending in .0, if that is the range registered to your organization.'],
    ['192.168.1.0/24', 'SesByoip-NotPublic', 'ask for a public /24 that your organization holds with its Regional Internet Registry: private and reserved addresses cannot be brought to SES.'],
    ['abc', 'SesByoip-InvalidCidr', 'write the /24 as your Regional Internet Registry lists it: four numbers from 0 to 255, the last one 0, then /24.'],
    ['198.51.100.0/24', 'SesByoip-DocumentationRange', 'put your own range in the request: AWS never approves a documentation range.'],
  ])('%j: keeps the rule\'s ID and problem, with a fix for the request', (cidr, ruleId, fix) => {
    const verdict = checkRange(cidr);
    const finding = verdict.accepted ? verdict.warning! : verdict.finding;
    const [message] = messagesAbout(cidr);
    expect(finding.ruleId).toBe(ruleId);
    // The problem as the rule says it (up to any aside about deploying).
    expect(message.startsWith(`[${ruleId}] ${finding.problem.split(';')[0]}`)).toBe(true);
    expect(message.endsWith(` Allowed: ${finding.allowed} Fix: ${fix}`)).toBe(true);
  });
});
