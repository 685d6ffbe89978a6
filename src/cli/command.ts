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
 */
export function parse<T extends Options>(args: readonly string[], options: T): Parsed<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    // Node's message may take several lines (e.g. a value that looks like an option): keep them all, on one line.
    const message = (error as Error).message.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => line.replace(/[.?]?$/, (end) => end || '.')).join(' ');
    throw new InvalidInput([`${message} See ses-byoip --help.`]);
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
        ? `ses-byoip: SES is throttling (${stats.throttled} throttled answers so far; a deploy may be using the account's rate): ${retry}\n`
        : `ses-byoip: SES failed transiently (${stats.retried} retries so far): ${retry}\n`);
    }
  };
}
