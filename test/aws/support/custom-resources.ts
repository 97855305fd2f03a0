import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BundleHost } from './bundle-host';
import type { TemplateResolver } from './template';

interface CfnResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId?: string;
  Data?: Record<string, unknown>;
}

/**
 * CloudFormation's side of custom resources: the pre-signed HTTPS URL a provider PUTs its
 * answer to. The CDK provider writes to `https://<host><path>` on port 443 (it ignores any port),
 * so this listens on 127.0.0.1:443 with a certificate made for the run; the provider's sandbox
 * trusts it through NODE_EXTRA_CA_CERTS, as a real sandbox trusts S3's.
 */
export class CloudFormationResponses {
  readonly caFile: string;
  private readonly server: Server;
  private readonly waiting = new Map<string, (response: CfnResponse) => void>();

  private constructor(dir: string) {
    this.caFile = join(dir, 'cert.pem');
    this.server = createServer(
      { cert: readFileSync(this.caFile), key: readFileSync(join(dir, 'key.pem')) },
      (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const id = (request.url ?? '').split('/').pop() ?? '';
          this.waiting.get(id)?.(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CfnResponse);
          response.writeHead(200).end();
        });
      },
    );
  }

  static async start(): Promise<CloudFormationResponses> {
    const dir = mkdtempSync(join(tmpdir(), 'chat-bridge-cfn-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const responses = new CloudFormationResponses(dir);
    await new Promise<void>((done, fail) => {
      responses.server.once('error', (error: NodeJS.ErrnoException) =>
        fail(
          new Error(
            `CloudFormation's response URL needs 127.0.0.1:443 (${error.code}): run as root or free the port`,
          ),
        ),
      );
      responses.server.listen(443, '127.0.0.1', () => done());
    });
    return responses;
  }

  /** A response URL, and the answer PUT to it. */
  expect(): { url: string; answer: Promise<CfnResponse> } {
    const id = randomUUID();
    const answer = new Promise<CfnResponse>((done) => this.waiting.set(id, done));
    return { url: `https://127.0.0.1/cfn-response/${id}`, answer };
  }

  async close(): Promise<void> {
    await new Promise<void>((done) => {
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }
}

/** The custom resources of the template in the order CloudFormation creates them (DependsOn). */
export function customResourceOrder(resolver: TemplateResolver): string[] {
  const ids = Object.keys(resolver.template.Resources).filter(
    (id) => resolver.template.Resources[id]!.Type.startsWith('Custom::') && resolver.exists(id),
  );
  const ordered: string[] = [];
  const visit = (id: string) => {
    if (ordered.includes(id)) return;
    const dependsOn = [resolver.template.Resources[id]!.DependsOn ?? []].flat();
    for (const dependency of dependsOn) if (ids.includes(dependency)) visit(dependency);
    ordered.push(id);
  };
  ids.forEach(visit);
  return ordered;
}

/**
 * Creates each custom resource as a stack create would: the Create request to the function
 * its ServiceToken names, then the answer at the response URL. A FAILED answer (an
 * AccessDenied inside the provider included) fails the "deploy" with the provider's reason.
 */
export async function createCustomResources(
  resolver: TemplateResolver,
  host: BundleHost,
  responses: CloudFormationResponses,
  stackId: string,
): Promise<Record<string, CfnResponse>> {
  const answers: Record<string, CfnResponse> = {};
  for (const id of customResourceOrder(resolver)) {
    const resource = resolver.template.Resources[id]!;
    const properties = resolver.resolve<Record<string, unknown>>(resource.Properties, id);
    const serviceToken = String(properties.ServiceToken);
    const name = serviceToken.split(':').pop()!;
    const { url, answer } = responses.expect();
    const outcome = await host.invoke(name, {
      RequestType: 'Create',
      ServiceToken: serviceToken,
      ResponseURL: url,
      StackId: stackId,
      RequestId: randomUUID(),
      LogicalResourceId: id,
      ResourceType: resource.Type,
      ResourceProperties: properties,
    });
    if (!outcome.ok) throw new Error(`${id}: the provider failed: ${outcome.error.errorMessage}`);
    const response = await answer;
    if (response.Status !== 'SUCCESS') {
      throw new Error(`${id}: CREATE_FAILED: ${response.Reason ?? '(no reason)'}`);
    }
    answers[id] = response;
  }
  return answers;
}
