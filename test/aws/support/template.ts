import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Conditions?: Record<string, unknown>;
}

export function loadTemplate(outDir: string, stackName: string): CfnTemplate {
  return JSON.parse(
    readFileSync(join(outDir, `${stackName}.template.json`), 'utf8'),
  ) as CfnTemplate;
}

/** What a resource resolves to once it exists: its `Ref` value and its `Fn::GetAtt` attributes. */
export interface PhysicalResource {
  ref: string;
  attributes: Record<string, string>;
}

export interface Pseudo {
  region: string;
  accountId: string;
  stackName: string;
}

/**
 * CloudFormation's intrinsic functions over a synthesized template, with every `Ref` and
 * `Fn::GetAtt` answered by what the emulator created. A reference to something that was not
 * created, or a function this resolver does not know, throws with its path: a value is never
 * guessed, so nothing a policy names is widened.
 */
export class TemplateResolver {
  private readonly physical = new Map<string, PhysicalResource>();

  constructor(
    readonly template: CfnTemplate,
    private readonly pseudo: Pseudo,
  ) {}

  define(logicalId: string, resource: PhysicalResource): void {
    this.physical.set(logicalId, resource);
  }

  physicalOf(logicalId: string): PhysicalResource {
    const found = this.physical.get(logicalId);
    if (!found) throw new Error(`template: ${logicalId} has not been created in the emulator`);
    return found;
  }

  resourcesOfType(type: string): [string, CfnResource][] {
    return Object.entries(this.template.Resources).filter(
      ([id, resource]) => resource.Type === type && this.exists(id),
    );
  }

  /** A resource whose Condition is false is not created, as CloudFormation skips it. */
  exists(logicalId: string): boolean {
    const condition = this.template.Resources[logicalId]?.Condition;
    return condition === undefined || this.condition(condition);
  }

  condition(name: string): boolean {
    const expression = this.template.Conditions?.[name];
    if (expression === undefined) throw new Error(`template: no condition named ${name}`);
    return this.truth(expression, `Conditions.${name}`);
  }

  resolve<T = unknown>(value: unknown, path = '$'): T {
    return this.value(value, path) as T;
  }

  private value(value: unknown, path: string): unknown {
    if (Array.isArray(value)) return value.map((item, i) => this.value(item, `${path}[${i}]`));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
      return this.intrinsic(key, argument, path);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.value(v, `${path}.${k}`)]));
  }

  private intrinsic(name: string, argument: unknown, path: string): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(argument), path);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(argument)
          ? (argument as string[])
          : String(argument).split('.');
        return this.getAtt(String(id), String(attribute), path);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.value(parts, path) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Sub':
        return this.sub(argument, path);
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (this.value(list, path) as unknown[])[Number(this.value(index, path))];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(this.value(text, path)).split(separator);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        return this.value(this.condition(condition) ? whenTrue : whenFalse, path);
      }
      default:
        throw new Error(`template: ${path} uses ${name}, which this resolver does not know`);
    }
  }

  private ref(name: string, path: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Region': this.pseudo.region,
      'AWS::AccountId': this.pseudo.accountId,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.pseudo.stackName,
      'AWS::StackId': `arn:aws:cloudformation:${this.pseudo.region}:${this.pseudo.accountId}:stack/${this.pseudo.stackName}/00000000-0000-0000-0000-000000000000`,
    };
    if (name in pseudo) return pseudo[name]!;
    const found = this.physical.get(name);
    if (!found) throw new Error(`template: ${path} refers to ${name}, which was not created`);
    return found.ref;
  }

  private getAtt(id: string, attribute: string, path: string): string {
    const found = this.physical.get(id);
    const value = found?.attributes[attribute];
    if (value === undefined) {
      throw new Error(`template: ${path} reads ${id}.${attribute}, which the emulator has not got`);
    }
    return value;
  }

  private sub(argument: unknown, path: string): string {
    const [text, variables = {}] = (typeof argument === 'string' ? [argument] : argument) as [
      string,
      Record<string, unknown>?,
    ];
    return text.replace(/\$\{([^}]+)\}/g, (_all, name: string) => {
      if (name in variables) return String(this.value(variables[name], path));
      const [id, attribute] = name.split('.');
      return attribute === undefined ? this.ref(name, path) : this.getAtt(id!, attribute, path);
    });
  }

  private truth(expression: unknown, path: string): boolean {
    const [name, argument] = Object.entries(expression as Record<string, unknown>)[0] ?? [];
    const args = argument as unknown[];
    switch (name) {
      case 'Fn::Equals':
        return String(this.value(args[0], path)) === String(this.value(args[1], path));
      case 'Fn::And':
        return args.every((a) => this.truth(a, path));
      case 'Fn::Or':
        return args.some((a) => this.truth(a, path));
      case 'Fn::Not':
        return !this.truth(args[0], path);
      case 'Condition':
        return this.condition(String(argument));
      default:
        throw new Error(`template: ${path} uses ${String(name)} in a condition`);
    }
  }
}
