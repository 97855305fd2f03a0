import type { InvokeOutcome, Invoker } from '../../../local/lambda/function-host';
import type { TemplateResolver } from './template';

interface Permission {
  functionName: string;
  principal: string;
  sourceArn?: string;
  sourceAccount?: string;
}

/** IAM's ArnLike: `*` any run of characters, `?` one. */
export function arnLike(pattern: string, arn: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`).test(arn);
}

/**
 * The functions' resource-based policies (AWS::Lambda::Permission): which service may invoke
 * which function, from which source. A service invokes a function only through one of them,
 * so every API route, IVS room, log subscription and schedule of the profile goes through
 * `check` first; a refusal is what the service would log, and the profile fails on it.
 */
export class LambdaPermissions {
  private readonly permissions: Permission[];
  readonly refusals: string[] = [];

  constructor(resolver: TemplateResolver) {
    this.permissions = resolver.resourcesOfType('AWS::Lambda::Permission').map(([id, r]) => {
      const p = resolver.resolve<Record<string, string>>(r.Properties, id);
      return {
        functionName: p.FunctionName!.split(':').pop()!,
        principal: p.Principal!,
        ...(p.SourceArn && { sourceArn: p.SourceArn }),
        ...(p.SourceAccount && { sourceAccount: p.SourceAccount }),
      };
    });
  }

  allows(functionName: string, principal: string, sourceArn: string, sourceAccount?: string) {
    return this.permissions.some(
      (p) =>
        p.functionName === functionName &&
        p.principal === principal &&
        (p.sourceArn === undefined || arnLike(p.sourceArn, sourceArn)) &&
        (p.sourceAccount === undefined || p.sourceAccount === sourceAccount),
    );
  }

  /** The invoker a service uses: `sourceOf` says which source ARN an invocation comes from. */
  asService(
    host: Invoker,
    principal: string,
    sourceOf: (name: string, event: unknown) => { arn: string; account?: string },
  ): Invoker {
    return {
      has: (name) => host.has(name),
      invoke: async (name, event): Promise<InvokeOutcome> => {
        const source = sourceOf(name, event);
        if (!this.allows(name, principal, source.arn, source.account)) {
          const refusal = `${principal} may not invoke ${name} from ${source.arn}: no AWS::Lambda::Permission allows it`;
          this.refusals.push(refusal);
          return {
            ok: false,
            timedOut: false,
            requestId: '',
            durationMs: 0,
            logs: [],
            error: { errorType: 'AccessDeniedException', errorMessage: refusal },
          };
        }
        return host.invoke(name, event);
      },
    };
  }
}
