import { classifySesError, describeSesError } from '../../src/handler/ses-client';

function sesError(name: string, status?: number, message = 'm') {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('classifySesError', () => {
  test.each([
    [sesError('TooManyRequestsException', 429), 'throttled'],
    [sesError('ThrottlingException', 400), 'throttled'],
    [sesError('Unknown', 429), 'throttled'],
    [sesError('ConcurrentModificationException', 500), 'transient'],
    [sesError('InternalFailure', 500), 'transient'],
    [sesError('ServiceUnavailable', 503), 'transient'],
    [sesError('Whatever', 502), 'transient'],
    [Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }), 'transient'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'transient'],
    [new Error('AWS SDK error wrapper for TimeoutError: socket hang up'), 'transient'],
    [sesError('BadRequestException', 400), 'fatal'],
    [sesError('AccessDeniedException', 403), 'fatal'],
    [sesError('NotFoundException', 404), 'fatal'],
    [sesError('LimitExceededException', 400), 'fatal'],
    [new Error('something else'), 'fatal'],
    ['a string', 'fatal'],
  ])('%s is %s', (error, kind) => {
    expect(classifySesError(error)).toBe(kind);
  });
});

test('describeSesError names SES exceptions once', () => {
  expect(describeSesError(sesError('AccessDeniedException', 403, 'User is not authorized'))).toBe('AccessDeniedException: User is not authorized');
  expect(describeSesError(new Error('plain'))).toBe('plain');
  expect(describeSesError('text')).toBe('text');
});
