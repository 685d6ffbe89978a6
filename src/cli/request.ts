/**
 * `ses-byoip request`: the e-mail that asks AWS to bring a range to SES,
 * with the five items AWS asks for, after checking each of them.
 */
import { InvalidInput } from './errors';
import { quote } from '../private/display';
import { formatFinding } from '../rules/finding';
import { checkRange } from '../rules/range-rules';

/** Where BYOIP requests for SES go. */
export const REQUEST_ADDRESS = 'ses-byoip-request@amazon.com';

/** The Regional Internet Registries, as the CLI takes them. */
export const REGISTRIES: Record<string, string> = {
  ARIN: 'ARIN',
  RIPE_NCC: 'RIPE NCC',
  APNIC: 'APNIC',
  LACNIC: 'LACNIC',
  AFRINIC: 'AFRINIC',
};

/** What the user gives. */
export interface RequestInput {
  readonly cidr?: string;
  readonly account?: string;
  readonly region?: string;
  readonly registry?: string;
  readonly useCase?: string;
}

/** The request, ready to send. */
export interface ByoipRequest {
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly accountId: string;
  readonly region: string;
  readonly useCase: string;
  readonly ipRange: string;
  /** The registry's name, e.g. "RIPE NCC". */
  readonly registry: string;
  /** Warnings about the input (e.g. a documentation range), as rule messages. */
  readonly warnings: readonly string[];
}

const ACCOUNT_ID = /^[0-9]{12}$/;
/** An AWS Region name, e.g. us-east-1, us-gov-west-1, ap-southeast-2. */
export const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const MAX_USE_CASE_LENGTH = 2_000;

/**
 * Checks every input (the range with the construct's own rules) and builds
 * the request. Throws InvalidInput naming every problem.
 */
export function buildRequest(input: RequestInput): ByoipRequest {
  const problems: string[] = [];
  const warnings: string[] = [];

  const cidr = input.cidr;
  if (cidr === undefined) {
    problems.push('--cidr is required: the /24 to bring, e.g. --cidr 198.51.100.0/24.');
  } else {
    const verdict = checkRange(cidr);
    if (!verdict.accepted) {
      problems.push(formatFinding(verdict.finding));
    } else if (verdict.warning) {
      // Same rule, same problem; the fix the construct gives (acknowledging
      // the warning) means nothing for a request.
      warnings.push(formatFinding({ ...verdict.warning, fix: 'put your own range in the request: AWS never approves a documentation range.' }));
    }
  }

  const account = input.account;
  if (account === undefined) {
    problems.push('--account is required: the 12-digit ID of the AWS account that will send from the range.');
  } else if (!ACCOUNT_ID.test(account)) {
    problems.push(`--account ${quote(account)} is not an AWS account ID: give its 12 digits, e.g. --account 111122223333.`);
  }

  const region = input.region;
  if (region === undefined) {
    problems.push('--region is required: the one AWS Region where SES will send from the range, e.g. --region us-east-1.');
  } else if (!REGION.test(region)) {
    problems.push(`--region ${quote(region)} is not an AWS Region name: give it as AWS writes it, e.g. --region eu-west-1.`);
  }

  const registryKey = input.registry?.toUpperCase().replace(/[ -]/g, '_');
  const registry = registryKey === undefined ? undefined : REGISTRIES[registryKey];
  if (input.registry === undefined) {
    problems.push(`--registry is required: the Regional Internet Registry of the range, one of ${Object.keys(REGISTRIES).join(', ')}.`);
  } else if (registry === undefined) {
    problems.push(`--registry ${quote(input.registry)} is not a Regional Internet Registry: use one of ${Object.keys(REGISTRIES).join(', ')}.`);
  }

  const useCase = input.useCase?.trim();
  if (!useCase) {
    problems.push('--use-case is required: a few sentences on what you send from the range (e.g. "transactional mail for our customers").');
  } else if (useCase.length > MAX_USE_CASE_LENGTH) {
    problems.push(`--use-case is ${useCase.length} characters long: keep it under ${MAX_USE_CASE_LENGTH}.`);
  }

  if (problems.length > 0) {
    throw new InvalidInput(problems);
  }
  return compose(cidr!, account!, region!, registry!, useCase!, warnings);
}

function compose(ipRange: string, accountId: string, region: string, registry: string, useCase: string, warnings: string[]): ByoipRequest {
  const subject = `Amazon SES BYOIP request: ${ipRange} for account ${accountId} in ${region}`;
  const body = [
    'Hello,',
    '',
    'We would like to bring our own IP address range to Amazon SES, to send email from it as dedicated IP addresses.',
    '',
    `1. AWS account ID: ${accountId}`,
    `2. AWS Region: ${region}`,
    `3. Use case: ${useCase}`,
    `4. IP address range: ${ipRange}`,
    `5. Regional Internet Registry: ${registry}`,
    '',
    `The range is registered to our organization with ${registry}. We can prove ownership with a signed authorization ` +
      'message, and the range is not brought to any other AWS service (such as EC2 BYOIP).',
    '',
    'Thank you,',
  ].join('\n');
  return { to: REQUEST_ADDRESS, subject, body, accountId, region, useCase, ipRange, registry, warnings };
}

/** The request as text to paste into a mail client. */
export function formatRequest(request: ByoipRequest): string {
  return [`To: ${request.to}`, `Subject: ${request.subject}`, '', request.body, ''].join('\n');
}
