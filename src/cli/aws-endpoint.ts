/**
 * When the endpoint of a CLI command's AWS call is not AWS: nothing listens
 * there (ECONNREFUSED), its host name does not resolve (ENOTFOUND,
 * EAI_AGAIN), or what answers is not the service (an HTTP answer below 500
 * without AWS's request ID, e.g. a 404 from a wrong AWS_ENDPOINT_URL or a
 * proxy). Each becomes an EndpointProblem: one line that names the call,
 * the endpoint and the variable that chose it, thrown at once, so that no
 * retry (the SDK's, the pacer's) spends the command's deadline on it.
 *
 *     const client = createSesClient({ region });
 *     watchEndpoint(client, SES);
 *
 * Only the CLI's clients are watched: the deploy-time handler keeps treating
 * a refused connection as transient (src/handler/ses-client.ts), which is
 * right in Lambda, where the endpoint is AWS's and a refusal passes.
 */
import { STATUS_CODES } from 'http';

/** An AWS service as the CLI calls it: its name in messages, and the variable that sets its endpoint alone. */
export interface AwsService {
  readonly name: string;
  readonly endpointVariable: string;
}

export const SES: AwsService = { name: 'SES', endpointVariable: 'AWS_ENDPOINT_URL_SESV2' };
export const STS: AwsService = { name: 'STS', endpointVariable: 'AWS_ENDPOINT_URL_STS' };
export const CLOUDFORMATION: AwsService = { name: 'CloudFormation', endpointVariable: 'AWS_ENDPOINT_URL_CLOUDFORMATION' };
export const CLOUDWATCH: AwsService = { name: 'CloudWatch', endpointVariable: 'AWS_ENDPOINT_URL_CLOUDWATCH' };

/** The endpoint of an AWS call is not AWS (see the file header); the message is the one line to print. */
export class EndpointProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointProblem';
  }
}

/** The part of an SDK client that watchEndpoint needs. */
interface WatchableClient {
  readonly middlewareStack: {
    add(middleware: (next: (args: any) => Promise<any>, context: { commandName?: string }) => (args: any) => Promise<any>,
      options: { step: 'deserialize'; priority: 'high'; name: string }): void;
  };
}

/**
 * Turns the failures of `client`'s calls whose endpoint is not AWS into an
 * EndpointProblem (each attempt's, inside the SDK's retries, which then do
 * not retry it); other failures pass unchanged.
 */
export function watchEndpoint(client: WatchableClient, service: AwsService): void {
  client.middlewareStack.add((next, context) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      throw endpointProblem(error, service, String(context.commandName ?? '').replace(/Command$/, ''), args.request) ?? error;
    }
  }, { step: 'deserialize', priority: 'high', name: 'sesByoipEndpointProblems' });
}

/** The request as the SDK sends it (an HttpRequest). */
interface SentRequest {
  readonly protocol?: string;
  readonly hostname?: string;
  readonly port?: number;
  readonly method?: string;
  readonly path?: string;
}

/** The EndpointProblem that `error` of `operation` shows, or undefined when the endpoint answered as AWS does. */
export function endpointProblem(
  error: unknown,
  service: AwsService,
  operation: string,
  request: SentRequest | undefined,
): EndpointProblem | undefined {
  const e = error as { code?: unknown; $metadata?: { httpStatusCode?: number; requestId?: string } } | undefined;
  const url = request?.hostname ? `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}` : 'the endpoint';
  const call = `${service.name} ${operation} failed`;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === 'ECONNREFUSED') {
    return new EndpointProblem(`${call}: nothing answers at ${url} (connection refused). ${whichEndpoint(service, 'is that endpoint up?')}`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new EndpointProblem(`${call}: the host name ${request?.hostname ?? ''} of ${url} does not resolve (${code}). ${whichEndpoint(service)}`);
  }
  const status = e?.$metadata?.httpStatusCode;
  // An answer the SDK could not read as an AWS error, without AWS's request ID; 5xx answers stay the retries' business.
  if (status !== undefined && status < 500 && !e?.$metadata?.requestId && !readAsAwsError(error)) {
    const what = STATUS_CODES[status] ? `HTTP ${status} (${STATUS_CODES[status]})` : `HTTP ${status}`;
    const to = request?.method && request.path ? ` to ${request.method} ${request.path}` : '';
    return new EndpointProblem(`${call}: the endpoint ${url} answered ${what}${to}, which is not an answer of the ${service.name} API. ` +
      whichEndpoint(service, 'does a proxy answer in its place?'));
  }
  return undefined;
}

/**
 * Whether the SDK read `error` from the answer as an AWS error: a modelled
 * exception, or an error code it found (the query protocols' `Error.Code`).
 * Not when it found none ("Unknown", "UnknownError", or a code made of the
 * HTTP status text with no `Error.Code`), nor when the body did not parse.
 */
function readAsAwsError(error: unknown): boolean {
  const e = error as { name?: unknown; message?: unknown; Error?: { Code?: unknown } };
  const name = typeof e?.name === 'string' ? e.name : '';
  if (['Unknown', 'UnknownError', 'SyntaxError'].includes(name) || /Deserialization error/.test(String(e?.message))) {
    return false;
  }
  return e?.Error === undefined || e.Error.Code !== undefined;
}

/** The question about the variable that chose the endpoint (and `more`, joined with "and" or "or"). */
function whichEndpoint(service: AwsService, more?: string): string {
  const own = process.env[service.endpointVariable];
  const shared = process.env.AWS_ENDPOINT_URL;
  const join = more === undefined ? '' : `${more.startsWith('is ') ? ', and' : ', or'} ${more.replace(/\?$/, '')}`;
  if (own) {
    return `Is ${service.endpointVariable} (${own}) right${join}?`;
  }
  if (shared) {
    return `Is AWS_ENDPOINT_URL (${shared}) right for ${service.name} (${service.endpointVariable} sets ${service.name}'s alone)${join}?`;
  }
  return `It is the SDK's endpoint for the Region (neither ${service.endpointVariable} nor AWS_ENDPOINT_URL is set): ` +
    'check endpoint_url in the AWS profile, the network and any proxy.';
}
