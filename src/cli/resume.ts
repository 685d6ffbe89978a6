/**
 * `ses-byoip resume`: turns a configuration set's sending back on (after the
 * ReputationGuard, or anyone, paused it and the cause is fixed), printing
 * first what it can read: the set's sending state, the account's
 * enforcement status (GetAccount) and the set's latest bounce and complaint
 * rates (CloudWatch, see reputation-rates.ts).
 */
import { Command, COMMON, helpOrVersion, parse, toJson, waitNotes } from './command';
import { parseTimeout, TIMEOUT_USAGE } from './deadline';
import { ApiFailure, ExitCode, InvalidInput } from './errors';
import { formatRates, RatesReading, readReputationRates, ReputationRates } from './reputation-rates';
import { REGION } from './request';
// Through the module's exports, so that a test can replace resumeSending (jest.spyOn).
import * as self from './resume';
import { SesSession } from './ses-session';
import { OutOfTime, PacerWait, SYSTEM_CLOCK } from '../handler/pacer';
import { AccountSendingState, describeSesError, errorName, SesCallError } from '../handler/ses-client';
import { quote } from '../private/display';

/** What the user gives. */
export interface ResumeInput {
  readonly configurationSet?: string;
  readonly region?: string;
  /** The deadline of the whole command, in seconds, as given (see deadline.ts). */
  readonly timeout?: string;
}

/** What resumeSending tells while it works. */
export interface ResumeProgress {
  /** Before each wait caused by SES: throttling or a transient error. */
  readonly wait?: (wait: PacerWait) => void;
}

/** What resume did. */
export type ResumeAction = 'RESUMED' | 'ALREADY_SENDING' | 'NOT_FOUND';

/** The result, as shown (and as `--json` prints it). */
export interface ResumeResult {
  readonly configurationSet: string;
  readonly region: string;
  readonly action: ResumeAction;
  /** Whether the set sent before the command; null if there is no such set. */
  readonly wasSending: boolean | null;
  /** Whether it sends now (false when there is no such set). */
  readonly sending: boolean;
  /** The account in this Region (GetAccount), or null if it could not be read (see accountError). */
  readonly account: { readonly enforcementStatus: string | null; readonly sendingEnabled: boolean } | null;
  /** Why the account could not be read, or null. */
  readonly accountError: string | null;
  /**
   * The set's bounce and complaint rates before the resume: the highest SES
   * published in the last hour and the last 24 hours (null where it
   * published none); null if they could not be read (see ratesUnknown) or
   * there is no such set.
   */
  readonly rates: ReputationRates | null;
  /** Why `rates` could not be read (no permission, no answer in time ...), or null. */
  readonly ratesUnknown: string | null;
  /** One paragraph: what was done, and anything that still stops the mail. */
  readonly message: string;
}

/** The longest the rates may take (CloudWatch), at most half the time left. */
const RATES_TIMEOUT_MS = 10_000;

/** SES's configuration set names. */
const CONFIGURATION_SET_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Checks the input, reads the set and the account, and turns the set's sending on unless it is. */
export async function resumeSending(input: ResumeInput, progress: ResumeProgress = {}): Promise<ResumeResult> {
  const name = input.configurationSet;
  const problems: string[] = [];
  if (name === undefined) {
    problems.push('--configuration-set is required: the name of the configuration set to turn sending back on for.');
  } else if (!CONFIGURATION_SET_NAME.test(name)) {
    problems.push(`--configuration-set ${quote(name)} is not a configuration set name: up to 64 letters, digits, "_" and "-".`);
  }
  if (input.region !== undefined && !REGION.test(input.region)) {
    problems.push(`--region ${quote(input.region)} is not an AWS Region name: give it as AWS writes it, e.g. --region eu-west-1.`);
  }
  const timeout = parseTimeout(input.timeout);
  if ('problem' in timeout) {
    problems.push(timeout.problem);
  }
  if (name === undefined || 'problem' in timeout || problems.length > 0) {
    throw new InvalidInput(problems);
  }

  const session = await SesSession.open(input.region, timeout.ms, progress.wait);
  const { ses, region } = session;
  try {
    const work = async (): Promise<ResumeResult> => {
      const wasSending = await ses.readConfigurationSetSending(name);
      if (wasSending === 'not-found') {
        return notFound(name, region);
      }
      // The account's state is worth showing, not worth failing for: resume even if it cannot be read.
      let account: AccountSendingState | undefined;
      let accountError: string | null = null;
      try {
        account = await ses.readAccountSending();
      } catch (error) {
        if (error instanceof OutOfTime) {
          throw error;
        }
        accountError = describeSesError(error instanceof SesCallError ? error.cause : error);
      }
      // The rates before the resume; never a reason to fail, so they get a share of the time left, at most 10 s.
      const rates = await readReputationRates(name, region, Math.max(1, Math.min(RATES_TIMEOUT_MS, (session.deadline - SYSTEM_CLOCK.now()) / 2)));
      if (!wasSending && await ses.setConfigurationSetSending(name, true) === 'not-found') {
        return notFound(name, region);
      }
      return summarize(name, region, wasSending, account, accountError, rates);
    };
    return await session.within(work(), (error: unknown) => apiFailure(error, region, name));
  } finally {
    session.close();
  }
}

function notFound(name: string, region: string): ResumeResult {
  return {
    configurationSet: name,
    region,
    action: 'NOT_FOUND',
    wasSending: null,
    sending: false,
    account: null,
    accountError: null,
    rates: null,
    ratesUnknown: null,
    message: `There is no configuration set ${name} in ${region}: check the name (it is case-sensitive) and --region.`,
  };
}

/** The result once the set sends (pure). */
export function summarize(
  name: string,
  region: string,
  wasSending: boolean,
  account: AccountSendingState | undefined,
  accountError: string | null,
  rates: RatesReading,
): ResumeResult {
  const done = wasSending
    ? `Configuration set ${name} in ${region} was already sending: nothing changed.`
    : `Resumed: configuration set ${name} in ${region} sends again.`;
  const caveats: string[] = [];
  if (account && !account.sendingEnabled) {
    caveats.push(`But sending is paused for the whole account in ${region} (GetAccount SendingEnabled false${account.enforcementStatus ? `, enforcement status ${account.enforcementStatus}` : ''}): no mail leaves until AWS or the account turns it back on.`);
  } else if (account?.enforcementStatus === 'SHUTDOWN') {
    caveats.push(`But the account's enforcement status in ${region} is SHUTDOWN: SES does not send its mail.`);
  } else if (account?.enforcementStatus === 'PROBATION') {
    caveats.push(`The account is under review in ${region} (enforcement status PROBATION): keep its bounce and complaint rates down, or AWS may pause its sending.`);
  }
  if (accountError !== null) {
    caveats.push(`The account's status could not be read (${accountError.replace(/\.$/, '')}); the configuration set was resumed anyway.`);
  }
  return {
    configurationSet: name,
    region,
    action: wasSending ? 'ALREADY_SENDING' : 'RESUMED',
    wasSending,
    sending: true,
    account: account ? { enforcementStatus: account.enforcementStatus ?? null, sendingEnabled: account.sendingEnabled } : null,
    accountError,
    rates: 'rates' in rates ? rates.rates : null,
    ratesUnknown: 'unknown' in rates ? rates.unknown : null,
    message: [done, ...caveats].join(' '),
  };
}

/** The result as text. */
export function formatResume(result: ResumeResult): string {
  const lines = [`Configuration set ${result.configurationSet} in ${result.region}`];
  if (result.action !== 'NOT_FOUND') {
    lines.push(`  before:  ${result.wasSending ? 'sending' : 'paused'}`);
    lines.push(`  now:     ${result.sending ? 'sending' : 'paused'}`);
    lines.push(result.account
      ? `  account: enforcement status ${result.account.enforcementStatus ?? 'unknown'}, sending ${result.account.sendingEnabled ? 'enabled' : 'PAUSED for the whole account'}`
      : `  account: could not be read (${result.accountError ?? 'unknown'})`);
    lines.push(`  rates:   ${formatRates(result.rates ? { rates: result.rates } : { unknown: result.ratesUnknown ?? 'unknown' })}`);
  } else {
    lines.push('  not found');
  }
  return `${lines.join('\n')}\n\n${result.message}\n`;
}

function apiFailure(error: unknown, region: string, name: string): ApiFailure {
  const cause = error instanceof SesCallError ? error.cause : error;
  const errorType = errorName(cause);
  const message = error instanceof Error ? error.message : String(error);
  if (errorType === 'CredentialsProviderError' || /credential/i.test(message)) {
    return new ApiFailure(`No usable AWS credentials (${message}). Configure them as for the AWS CLI: a profile, environment variables or SSO.`);
  }
  if (errorType === 'AccessDeniedException' || errorType === 'AccessDenied') {
    return new ApiFailure(`${message}. The credentials need ses:GetConfigurationSet and ses:PutConfigurationSetSendingOptions on configuration set ${name} in ${region} (and ses:GetAccount to show the account's status).`);
  }
  return new ApiFailure(`Could not resume configuration set ${name} in ${region}: ${message}`);
}

const RESUME_USAGE = `Usage: ses-byoip resume --configuration-set <name> [--region <region>] [--timeout <seconds>] [--json]

Turns the sending of a configuration set back on, after the ReputationGuard
(or anyone) paused it and the cause of the bounces or complaints is fixed.
First reads and prints the set's sending state, the account's enforcement
status (GetAccount: HEALTHY, PROBATION or SHUTDOWN, and whether the whole
account may send) and the set's bounce and complaint rates (the highest SES
published in the last hour and the last 24 hours, from CloudWatch: the
metrics the ReputationGuard watches), then enables the set's sending unless
it is on already. AWS credentials, Region and endpoint as for the AWS CLI
and SDK; the credentials need ses:GetConfigurationSet and
ses:PutConfigurationSetSendingOptions, and, to show the account's status
and the rates (resume goes on without them), ses:GetAccount and
cloudwatch:GetMetricData.

Options:
  --configuration-set <name>
                      the configuration set to resume (case-sensitive)
  --region <region>   its Region (default: the SDK's, e.g. AWS_REGION)
  ${TIMEOUT_USAGE}
  --json              print the result, or the error, as JSON
  --version           print the version
  -h, --help          show this help

Exit codes: 0 sending (resumed, or it was already), 1 unexpected error, 2 invalid
            input (including no AWS Region), 3 no such configuration set, 4 SES
            could not be reached
            (credentials, permissions, network, an endpoint that is not AWS, or --timeout passed).
`;

const RESUME_OPTIONS = {
  ...COMMON,
  'configuration-set': { type: 'string' },
  'region': { type: 'string' },
  'timeout': { type: 'string' },
} as const;

/** `ses-byoip resume`: turns a paused configuration set's sending back on. */
export const resumeCommand: Command = {
  name: 'resume',
  summary: 'Turn a configuration set\'s sending back on (after the ReputationGuard paused it and the cause is fixed)',
  run: async (args, io, json) => {
    const { values } = parse(args, RESUME_OPTIONS, RESUME_USAGE);
    const early = helpOrVersion(values, RESUME_USAGE, io, json);
    if (early !== undefined) {
      return early;
    }
    const result = await self.resumeSending({ configurationSet: values['configuration-set'], region: values.region, timeout: values.timeout }, { wait: waitNotes(io) });
    // No such configuration set is a result, not an error: the result, with exit code 3.
    io.out(json ? toJson(result) : formatResume(result));
    return result.action === 'NOT_FOUND' ? ExitCode.NOT_READY : ExitCode.OK;
  },
};
