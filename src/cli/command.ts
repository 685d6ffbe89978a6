/**
 * What every `ses-byoip` command shares: where it writes (Io), how it is
 * listed (Command), its command line (the common options and `parse`), and
 * how it prints (`toJson`, the version, the notes while SES throttles).
 * Each command keeps its own usage text and options next to its code
 * (request.ts, status.ts, dns.ts, resume.ts, plan.ts); main.ts only
 * dispatches.
 */
import { parseArgs } from 'util';
import { ExitCode, InvalidInput } from './errors';
// esbuild inlines the version into the bundle (the release bumps package.json before it bundles).
import { version as VERSION } from '../../package.json';
import { PacerWait } from '../handler/pacer';
import { quote } from '../private/display';

/** Standard input, for a command that asks before it acts (`plan --apply`). */
export interface Input {
  /** True when stdin is a terminal: only then may a command ask a question there. */
  readonly isTerminal: boolean;
  /** The next line typed, without its end; undefined at the end of the input. */
  readonly readLine: () => Promise<string | undefined>;
}

/** Where the CLI writes (and reads), injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** True when stderr is a terminal: then a command may show a progress indicator there. */
  readonly errIsTerminal?: boolean;
  /** Standard input; undefined: there is none (no question can be asked). */
  readonly input?: Input;
}

/** One command of `ses-byoip`, as main.ts dispatches it. */
export interface Command {
  /** What the user types, e.g. "status". */
  readonly name: string;
  /** One line for the top-level usage. */
  readonly summary: string;
  /**
   * Runs the command with its arguments (those after its name); returns the
   * exit code, or throws InvalidInput, ApiFailure or anything else (see errors.ts).
   *
   * @param json whether the command line asks for JSON (looked for before parsing)
   */
  readonly run: (args: readonly string[], io: Io, json: boolean) => Promise<number> | number;
}

/** The options every command takes. */
export const COMMON = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** parseArgs's option definitions. */
export type Options = Parameters<typeof parseArgs>[0] extends infer C ? C extends { options?: infer O } ? NonNullable<O> : never : never;

/** What `parse` gives: the values of `T`'s options, typed, and the tokens. */
export type Parsed<T extends Options> =
  ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false; tokens: true }>>;

/**
 * parseArgs, with its errors, and any option given more than once, turned
 * into InvalidInput (parseArgs itself keeps the last value silently). An
 * option declared `multiple` may be given as often as wanted.
 *
 * A value that starts with "-" and is not an option (`--timeout -1`) is the
 * option's value, judged by the command as any other; a string option
 * followed by no value, or by an option, needs a value: the problem shows
 * it as `usage` (the command's --help text) does.
 */
export function parse<T extends Options>(args: readonly string[], options: T, usage = ''): Parsed<T> {
  const { args: rewritten, problems } = withValues(args, options, usage);
  let parsed: Parsed<T> | undefined;
  try {
    parsed = parseArgs({ args: rewritten, options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    // Node's message may take several lines: keep them all, on one line.
    const message = (error as Error).message.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => line.replace(/[.?]?$/, (end) => end || '.')).join(' ');
    problems.push(`${message} See ses-byoip --help.`);
  }
  if (parsed === undefined || problems.length > 0) {
    throw new InvalidInput(problems);
  }
  const given = new Map<string, string[]>();
  for (const token of parsed.tokens) {
    if (token.kind === 'option' && options[token.name].multiple !== true) {
      given.set(token.name, [...given.get(token.name) ?? [], token.value ?? '']);
    }
  }
  const repeated = [...given].filter(([, values]) => values.length > 1).map(([name, values]) =>
    options[name].type === 'string'
      ? `--${name} is given ${values.length} times (${values.map((value) => quote(value)).join(', ')}): give it once.`
      : `--${name} is given ${values.length} times: give it once.`);
  if (repeated.length > 0) {
    throw new InvalidInput(repeated);
  }
  return parsed;
}

/**
 * The arguments as parseArgs should read them: a string option's value that
 * starts with "-" joined to it (`--timeout=-1`), and a string option without
 * a value left out, with one problem each.
 */
function withValues(args: readonly string[], options: Options, usage: string): { args: string[]; problems: string[] } {
  const isString = (name: string) => Object.prototype.hasOwnProperty.call(options, name) && options[name].type === 'string';
  const isOption = (arg: string) => arg.startsWith('--') ||
    (arg.length === 2 && arg[0] === '-' && Object.values(options).some((option) => option.short === arg[1]));
  const result: string[] = [];
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      result.push(...args.slice(i));
      break;
    }
    const name = /^--([^=]+)$/.exec(arg)?.[1];
    if (name === undefined || !isString(name)) {
      result.push(arg);
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || isOption(value)) {
      problems.push(needsValue(name, usage));
      continue;
    }
    result.push(`${arg}=${value}`);
    i++;
  }
  return { args: result, problems };
}

/** `--cidr needs a value, as in --cidr <range>: the /24, as a.b.c.0/24.`, from the option's lines in `usage`. */
function needsValue(name: string, usage: string): string {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = new RegExp(`^ {2}--${escaped} (<[^>]+>)(?: +(.+))?\n(?: {20,}(.+))?`, 'm').exec(usage);
  if (!line) {
    return `--${name} needs a value. See ses-byoip --help.`;
  }
  const description = (line[2] ?? line[3] ?? '').replace(/\.$/, '');
  return `--${name} needs a value, as in --${name} ${line[1]}${description ? `: ${description}` : ''}.`;
}

/**
 * What `--help` and `--version` ask for, which every command answers
 * alike: the exit code once printed, or undefined when neither was given.
 */
export function helpOrVersion(
  values: { readonly help?: boolean; readonly version?: boolean },
  usage: string,
  io: Io,
  json: boolean,
): number | undefined {
  if (values.help) {
    io.out(usage);
    return ExitCode.OK;
  }
  if (values.version) {
    return printVersion(io, json);
  }
  return undefined;
}

/** Prints the package's version (`{ "version": ... }` with --json). */
export function printVersion(io: Io, json: boolean): number {
  io.out(json ? toJson({ version: VERSION }) : `${VERSION}\n`);
  return ExitCode.OK;
}

/** `1 retry`, `2 retries`: a number and its noun, singular for 1 (`many` defaults to `one` + "s"). */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One JSON document, as a command prints it on stdout. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, undefined, 2)}\n`;
}

/** How often, at most, the CLI says that it is waiting for SES. */
const WAIT_NOTE_EVERY_MS = 2_000;

/** While SES throttles or fails transiently, say so on stderr (every few seconds, not on every retry). */
export function waitNotes(io: Io): (wait: PacerWait) => void {
  let lastWaitNote = -Infinity;
  return ({ reason, delayMs, stats }) => {
    if (Date.now() - lastWaitNote >= WAIT_NOTE_EVERY_MS) {
      lastWaitNote = Date.now();
      const retry = `retrying in ${delayMs < 1000 ? `${Math.ceil(delayMs)} ms` : `${(delayMs / 1000).toFixed(1)} s`}`;
      io.err(reason === 'throttled'
        ? `ses-byoip: SES is throttling (${count(stats.throttled, 'throttled answer')} so far; a deploy may be using the account's rate): ${retry}\n`
        : `ses-byoip: SES failed transiently (${count(stats.retried, 'retry', 'retries')} so far): ${retry}\n`);
    }
  };
}
