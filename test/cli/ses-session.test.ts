import { whyGaveUp } from '../../src/cli/ses-session';

describe('whyGaveUp', () => {
  const timeout = Object.assign(new Error('Request did not complete within 10000 ms'), { name: 'TimeoutError' });
  const unavailable = Object.assign(new Error('Down for maintenance.'), { name: 'ServiceUnavailable' });

  test.each([
    [{ succeeded: 0, throttled: 1, retried: 0 }, undefined,
      'SES kept throttling the calls (1 throttled answer): another deploy or tool may be using the account\'s one request per second in eu-west-1'],
    [{ succeeded: 0, throttled: 2, retried: 0 }, undefined,
      'SES kept throttling the calls (2 throttled answers): another deploy or tool may be using the account\'s one request per second in eu-west-1'],
    [{ succeeded: 0, throttled: 0, retried: 1 }, unavailable,
      'SES in eu-west-1 kept failing (1 retried call; the last: ServiceUnavailable: Down for maintenance)'],
    [{ succeeded: 0, throttled: 0, retried: 1 }, timeout,
      'SES did not answer in time in eu-west-1 (a stalled connection or endpoint: 1 call timed out)'],
    [{ succeeded: 0, throttled: 0, retried: 3 }, timeout,
      'SES did not answer in time in eu-west-1 (a stalled connection or endpoint: 3 calls timed out)'],
    [{ succeeded: 0, throttled: 0, retried: 0 }, undefined,
      'SES did not answer in time in eu-west-1 (a stalled connection or endpoint)'],
  ])('%j', (stats, lastError, why) => {
    expect(whyGaveUp('eu-west-1', stats, lastError)).toBe(why);
  });
});
