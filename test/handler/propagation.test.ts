import { Clock } from '../../src/handler/pacer';
import { PropagationGrace, propagationDelayOf } from '../../src/handler/propagation';

/** A clock where sleeping takes no real time. */
function virtualClock() {
  const clock = { t: 0, now: () => clock.t, sleep: async (ms: number) => { clock.t += ms; }, random: () => 0.5 };
  return clock as Clock & { t: number };
}

const denied = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
const notFound = Object.assign(new Error('Pool p does not exist.'), { name: 'NotFoundException' });

describe('propagationDelayOf', () => {
  test.each([
    [denied, false, 'denied'],
    [Object.assign(new Error('x'), { name: 'AccessDenied' }), false, 'denied'],
    [notFound, true, 'not-found'],
    [notFound, false, undefined],
    [Object.assign(new Error('x'), { name: 'BadRequestException' }), true, undefined],
    ['a string', true, undefined],
    [undefined, true, undefined],
  ])('%s (NotFound may pass: %s) is %s', (error, notFoundMayPass, expected) => {
    expect(propagationDelayOf(error, notFoundMayPass)).toBe(expected);
  });
});

describe('PropagationGrace', () => {
  test('retries with growing waits until the grace ends, saying why each time', async () => {
    const clock = virtualClock();
    const logs: string[] = [];
    const grace = new PropagationGrace(clock, 20_000, (line) => logs.push(line));
    const waits: number[] = [];
    for (;;) {
      const before = clock.t;
      if (!(await grace.retry('denied', 'SES PutDedicatedIpInPool 192.0.2.1 into p', denied))) break;
      waits.push(clock.t - before);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 5_000]);
    expect(clock.t).toBe(20_000);
    expect(logs[0]).toBe('SES PutDedicatedIpInPool 192.0.2.1 into p answered AccessDeniedException (User is not authorized). Nothing has been written yet, ' +
      'and the role\'s permissions may not have propagated to SES yet (IAM takes seconds): retrying in 1.0 s (for 20 s more at most)');
  });

  test('gives no grace once the operation has written, nor for errors that are not delays', async () => {
    const grace = new PropagationGrace(virtualClock(), 60_000, () => {});
    expect(await grace.retry(undefined, 'x', new Error('BadRequest'))).toBe(false);
    grace.operationHasWritten();
    expect(await grace.retry('denied', 'x', denied)).toBe(false);
  });

  test('after a write into one pool, a first write into another pool keeps its grace; the same pool and reads do not', async () => {
    const logs: string[] = [];
    const grace = new PropagationGrace(virtualClock(), 60_000, (line) => logs.push(line));
    grace.operationHasWritten('into pool transactional');
    expect(await grace.retry('denied', 'SES PutDedicatedIpInPool 192.0.2.1 into marketing', denied, 'into pool marketing')).toBe(true);
    expect(logs[0]).toContain('Nothing has been written into pool marketing yet');
    expect(await grace.retry('denied', 'x', denied, 'into pool transactional')).toBe(false);
    expect(await grace.retry('denied', 'x', denied)).toBe(false);
  });

  test('gives no grace when the operation began more than the grace ago', async () => {
    const grace = new PropagationGrace(virtualClock(), -1, () => {});
    expect(await grace.retry('not-found', 'x', notFound)).toBe(false);
  });
});
