import { count, waitNotes } from '../../src/cli/command';
import { PacerWait } from '../../src/handler/pacer';

describe('count', () => {
  test.each([
    [0, 'retry', 'retries', '0 retries'],
    [1, 'retry', 'retries', '1 retry'],
    [2, 'retry', 'retries', '2 retries'],
    [1, 'address', 'addresses', '1 address'],
    [1, 'call', undefined, '1 call'],
    [3, 'call', undefined, '3 calls'],
  ])('%d %s', (n, one, many, text) => {
    expect(count(n, one, many)).toBe(text);
  });
});

describe('waitNotes', () => {
  /** The notes one wait gives (each waitNotes says at most one every 2 s: a new one per wait). */
  function noteOf(wait: Omit<PacerWait, 'error'>): string[] {
    const lines: string[] = [];
    waitNotes({ out: () => {}, err: (text) => lines.push(text) })({ ...wait, error: new Error('x') });
    return lines;
  }

  test('"1 retry" and "1 throttled answer", not "1 retries" and "1 throttled answers"', () => {
    expect(noteOf({ reason: 'transient', delayMs: 100, stats: { succeeded: 0, throttled: 0, retried: 1 } }))
      .toEqual(['ses-byoip: SES failed transiently (1 retry so far): retrying in 100 ms\n']);
    expect(noteOf({ reason: 'throttled', delayMs: 1500, stats: { succeeded: 0, throttled: 1, retried: 0 } }))
      .toEqual(['ses-byoip: SES is throttling (1 throttled answer so far; a deploy may be using the account\'s rate): retrying in 1.5 s\n']);
    expect(noteOf({ reason: 'transient', delayMs: 200, stats: { succeeded: 0, throttled: 0, retried: 2 } }))
      .toEqual(['ses-byoip: SES failed transiently (2 retries so far): retrying in 200 ms\n']);
  });
});
