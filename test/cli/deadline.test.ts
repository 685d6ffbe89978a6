import { DEFAULT_TIMEOUT_SECONDS, DeadlinePassed, parseTimeout, withDeadline } from '../../src/cli/deadline';

describe('parseTimeout', () => {
  test.each([
    [undefined, DEFAULT_TIMEOUT_SECONDS * 1000],
    ['1', 1000],
    ['2.5', 2500],
    ['3600', 3_600_000],
  ])('%j is %d ms', (value, ms) => {
    expect(parseTimeout(value)).toEqual({ ms });
  });

  test.each(['0', '0.5', '-1', '3601', 'soon', '', '1e3', '10s', ' '])('%j is refused with the allowed range and an example', (value) => {
    expect(parseTimeout(value)).toEqual({
      problem: `--timeout ${JSON.stringify(value)} is not a number of seconds from 1 to 3600: e.g. --timeout 300 (default ${DEFAULT_TIMEOUT_SECONDS}).`,
    });
  });
});

describe('withDeadline', () => {
  test('gives the result of work that finishes in time', async () => {
    const cancel = jest.fn();
    await expect(withDeadline(Promise.resolve(42), 1_000, cancel)).resolves.toBe(42);
    expect(cancel).not.toHaveBeenCalled();
  });

  test('gives up on work that does not, and cancels it', async () => {
    const cancel = jest.fn();
    const never = new Promise<never>(() => {});
    const error = await withDeadline(never, 20, cancel).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlinePassed);
    expect((error as DeadlinePassed).message).toBe('gave up after 0.02 s');
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  test('passes the work\'s own failure through', async () => {
    await expect(withDeadline(Promise.reject(new Error('denied')), 1_000, () => {})).rejects.toThrow('denied');
  });
});
