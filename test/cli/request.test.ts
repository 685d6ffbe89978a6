import { InvalidInput } from '../../src/cli/errors';
import { buildRequest, formatRequest, RequestInput } from '../../src/cli/request';

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
])('accepts the registry %s', (registry, name) => {
  expect(buildRequest({ ...GOOD, registry }).registry).toBe(name);
});

test('checks the range with the construct\'s rules, with the same messages', () => {
  expect(problemsOf({ ...GOOD, cidr: '10.0.0.0/24' })).toEqual([
    expect.stringMatching(/^\[SesByoip-NotPublic\] cidr "10.0.0.0\/24" is inside 10.0.0.0\/8/),
  ]);
  expect(problemsOf({ ...GOOD, cidr: '8.8.8.9/24' })[0]).toMatch(/^\[SesByoip-HostBits\]/);
  expect(problemsOf({ ...GOOD, cidr: '8.8.8.0/23' })[0]).toMatch(/^\[SesByoip-PrefixLength\]/);
  expect(problemsOf({ ...GOOD, cidr: '8.8.8.0 /24' })[0]).toMatch(/^\[SesByoip-InvalidCidr\]/);
});

test('warns on a documentation range, as the construct does', () => {
  expect(buildRequest({ ...GOOD, cidr: '198.51.100.0/24' }).warnings).toEqual([
    expect.stringMatching(/^\[SesByoip-DocumentationRange\]/),
  ]);
});

test('fails naming every missing or bad item at once', () => {
  expect(problemsOf({})).toEqual([
    '--cidr is required: the /24 to bring, e.g. --cidr 198.51.100.0/24.',
    '--account is required: the 12-digit ID of the AWS account that will send from the range.',
    '--region is required: the one AWS Region where SES will send from the range, e.g. --region us-east-1.',
    '--registry is required: the Regional Internet Registry of the range, one of ARIN, RIPE_NCC, APNIC, LACNIC, AFRINIC.',
    '--use-case is required: a few sentences on what you send from the range (e.g. "transactional mail for our customers").',
  ]);
  expect(problemsOf({ ...GOOD, account: '1111-2222-3333', region: 'US East', registry: 'IANA', useCase: 'x'.repeat(2001) })).toEqual([
    '--account "1111-2222-3333" is not an AWS account ID: give its 12 digits, e.g. --account 111122223333.',
    '--region "US East" is not an AWS Region name: give it as AWS writes it, e.g. --region eu-west-1.',
    '--registry "IANA" is not a Regional Internet Registry: use one of ARIN, RIPE_NCC, APNIC, LACNIC, AFRINIC.',
    '--use-case is 2001 characters long: keep it under 2000.',
  ]);
});

test.each(['us-east-1', 'ap-southeast-2', 'us-gov-west-1', 'eu-central-2', 'il-central-1'])('accepts the Region %s', (region) => {
  expect(buildRequest({ ...GOOD, region }).region).toBe(region);
});
