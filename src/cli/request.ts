/**
 * `ses-byoip request`: the e-mail that asks AWS to bring a range to SES,
 * with the five items AWS asks for, after checking each of them.
 */
import { Command, COMMON, helpOrVersion, parse, toJson } from './command';
import { ExitCode, InvalidInput } from './errors';
// Through the module's exports, so that a test can replace buildRequest (jest.spyOn).
import * as self from './request';
import { quote } from '../private/display';
import { Ipv4Range, parseIpv4Cidr } from '../range/ipv4-cidr';
import { Finding, formatFinding } from '../rules/finding';
import { BYOIP_PREFIX_LENGTH, checkRange, validSuggestion } from '../rules/range-rules';
import { ByoipRuleId } from '../rules/rule-id';

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
  /** Text in the body to replace before sending it (the signature). */
  readonly placeholders: readonly string[];
}

/** The signature of the e-mail: only the sender can fill it. */
export const SIGNATURE_PLACEHOLDER = '[Your name, title, company and a phone number]';

const ACCOUNT_ID = /^[0-9]{12}$/;
/** An AWS Region name, e.g. us-east-1, us-gov-west-1, ap-southeast-2. */
export const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const MAX_USE_CASE_LENGTH = 2_000;

/**
 * Checks every input (the range with the library's range rules, their fixes
 * said in terms of the request) and builds the request. Throws InvalidInput
 * naming every problem.
 */
export function buildRequest(input: RequestInput): ByoipRequest {
  const problems: string[] = [];
  const warnings: string[] = [];

  const cidr = input.cidr;
  if (cidr === undefined) {
    problems.push('--cidr is required: the /24 to bring, as your Regional Internet Registry lists it (a.b.c.0/24).');
  } else {
    const verdict = checkRange(cidr);
    if (!verdict.accepted) {
      problems.push(formatFinding(inRequestTerms(verdict.finding, cidr)));
    } else if (verdict.warning) {
      warnings.push(formatFinding(inRequestTerms(verdict.warning, cidr)));
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

  const registry = input.registry === undefined ? undefined : registryOf(input.registry);
  if (input.registry === undefined) {
    problems.push(`--registry is required: the Regional Internet Registry of the range, one of ${Object.keys(REGISTRIES).join(', ')}.`);
  } else if (registry === undefined) {
    problems.push(compact(input.registry) === 'RIPE'
      ? `--registry ${quote(input.registry)} names RIPE, whose Regional Internet Registry is the RIPE NCC: write --registry RIPE_NCC (in any case).`
      : `--registry ${quote(input.registry)} is not a Regional Internet Registry: use one of ${Object.keys(REGISTRIES).join(', ')} (in any case).`);
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

/** The registry's name (e.g. "RIPE NCC") for a --registry given in any case, with or without " ", "_", "-" or "." between its words. */
function registryOf(given: string): string | undefined {
  const key = Object.keys(REGISTRIES).find((k) => compact(k) === compact(given));
  return key === undefined ? undefined : REGISTRIES[key];
}

/** A registry's letters alone, in capitals: "ripe ncc", "Ripe-NCC" and "RIPE_NCC" are all "RIPENCC". */
function compact(name: string): string {
  return name.toUpperCase().replace(/[\s_.-]/g, '');
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
    SIGNATURE_PLACEHOLDER,
  ].join('\n');
  return { to: REQUEST_ADDRESS, subject, body, accountId, region, useCase, ipRange, registry, warnings, placeholders: [SIGNATURE_PLACEHOLDER] };
}

/** The request as text to paste into a mail client. */
export function formatRequest(request: ByoipRequest): string {
  return [`To: ${request.to}`, `Subject: ${request.subject}`, '', request.body, ''].join('\n');
}

/**
 * A range finding as `request` reports it: the rule's ID, problem and what
 * is allowed, with a fix that speaks of the request (the rules' fixes speak
 * of deploying).
 */
function inRequestTerms(finding: Finding, cidr: string): Finding {
  return { ...finding, fix: requestFix(finding.ruleId, cidr) };
}

/**
 * What to put in the request instead. A range given as an example is one
 * `request` accepts without a warning; where none can be derived from the
 * input, the fix names what is needed.
 */
function requestFix(ruleId: string, cidr: string): string {
  const parsed = parseIpv4Cidr(cidr);
  const example = parsed.ok ? validSuggestion(Ipv4Range.containing(parsed.value.address, BYOIP_PREFIX_LENGTH).toString()) : undefined;
  switch (ruleId) {
    case ByoipRuleId.INVALID_CIDR:
      return 'write the /24 as your Regional Internet Registry lists it: four numbers from 0 to 255, the last one 0, then /24.';
    case ByoipRuleId.PREFIX_LENGTH:
      return parsed.ok && parsed.value.prefixLength < BYOIP_PREFIX_LENGTH
        ? (example
          ? `AWS approves one /24 per request: send one request per /24 of the block, e.g. one for "${example}" (each counts toward the account's BYOIP quota in the Region).`
          : 'AWS approves one public /24 per request: send one request for each public /24 registered to your organization that you want to bring (each counts toward the account\'s BYOIP quota in the Region).')
        : `AWS approves whole /24 ranges only: ask for the /24 that contains it${example ? `, "${example}"` : ''}, if it is registered to your organization.`;
    case ByoipRuleId.HOST_BITS:
      return `give the /24 by its first address, ending in .0${example ? ` ("${example}")` : ''}, if that is the range registered to your organization.`;
    case ByoipRuleId.NOT_PUBLIC:
      return 'ask for a public /24 that your organization holds with its Regional Internet Registry: private and reserved addresses cannot be brought to SES.';
    case ByoipRuleId.DOCUMENTATION_RANGE:
      return 'put your own range in the request: AWS never approves a documentation range.';
    default:
      return 'put a public /24 registered to your organization in the request.';
  }
}


const REQUEST_USAGE = `Usage: ses-byoip request --cidr <range> --account <id> --region <region> --registry <rir> --use-case <text> [--json]

Checks each item (the range with the library's range rules, by rule ID) and
prints the e-mail to send to ${REQUEST_ADDRESS}, with the five items AWS asks
for. Sign it before sending: replace the placeholder at its end.

Options:
  --cidr <range>      the /24 to bring, as a.b.c.0/24
  --account <id>      the 12-digit AWS account ID that will send from it
  --region <region>   the one Region where SES will use it, e.g. us-east-1
  --registry <rir>    its Regional Internet Registry, in any case: ${Object.keys(REGISTRIES).join(', ')}
  --use-case <text>   what you send from the range
  --json              print the request, or the error, as JSON
  --version           print the version
  -h, --help          show this help

Exit codes: 0 printed, 1 unexpected error, 2 invalid input.
`;

const REQUEST_OPTIONS = {
  ...COMMON,
  'cidr': { type: 'string' },
  'account': { type: 'string' },
  'region': { type: 'string' },
  'registry': { type: 'string' },
  'use-case': { type: 'string' },
} as const;

/** `ses-byoip request`: checks the five items and prints the e-mail. */
export const requestCommand: Command = {
  name: 'request',
  summary: `Print the request to send to AWS (${REQUEST_ADDRESS}) to bring a /24 to SES`,
  run: (args, io, json) => {
    const { values } = parse(args, REQUEST_OPTIONS, REQUEST_USAGE);
    const early = helpOrVersion(values, REQUEST_USAGE, io, json);
    if (early !== undefined) {
      return early;
    }
    const built = self.buildRequest({
      cidr: values.cidr,
      account: values.account,
      region: values.region,
      registry: values.registry,
      useCase: values['use-case'],
    });
    // stderr says the same with or without --json, which also carries both in the request.
    built.warnings.forEach((warning) => io.err(`ses-byoip: warning: ${warning}\n`));
    io.out(json ? toJson(built) : formatRequest(built));
    built.placeholders.forEach((placeholder) => io.err(`ses-byoip: note: replace ${placeholder} at the end of the e-mail before sending it.\n`));
    return ExitCode.OK;
  },
};
