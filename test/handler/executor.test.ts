import { Executor } from '../../src/handler/executor';
import { Move } from '../../src/handler/planner';
import { SesGateway } from '../../src/handler/ses-client';

/** An SES gateway that moves every address, whose pacer was throttled and retried `n` times. */
function gateway(n: number): SesGateway {
  return {
    moveToPool: async () => 'moved',
    pacer: { stats: { succeeded: 1, throttled: n, retried: n } },
    counts: { reads: 0, moves: 0, warmupWrites: 0 },
  } as unknown as SesGateway;
}

describe('progress lines', () => {
  test.each([
    [1, 'moved 1/1 addresses (pool mail; throttled once, 1 retry)'],
    [2, 'moved 1/1 addresses (pool mail; throttled 2 times, 2 retries)'],
  ])('with %d throttled and retried calls: %s', async (n, line) => {
    const logged: string[] = [];
    const exec = new Executor({
      ses: gateway(n),
      log: (message) => logged.push(message),
      checkDeadline: () => {},
      tolerant: false,
      warn: () => {},
      poolArn: (pool) => `arn:aws:ses:us-east-1:111122223333:dedicated-ip-pool/${pool}`,
      where: 'account 111122223333 in us-east-1',
    });
    const move: Move = { address: '198.51.100.1', from: 'ses-default-dedicated-pool', to: 'mail', reason: 'fill' };
    await exec.applyMoves([move], { done: 'moved', writes: 'moves into pool mail', pool: 'mail' });
    expect(logged).toEqual([line]);
  });
});
