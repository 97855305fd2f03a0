import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { HostedFunction } from './bundle-host';
import type { Decision } from './iam-emulator';
import { arnLike } from './lambda-permissions';
import type { ProvisionedRole } from './provision';

/** AWS managed policies the template attaches, as AWS defines them. */
const MANAGED_POLICIES: Record<string, { actions: string[]; resource: string }> = {
  AWSLambdaBasicExecutionRole: {
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
    resource: '*',
  },
};

/** Grants no profile path uses, each with the path that needs it (grants-on-other-paths.json). */
interface OtherPath {
  /** A function's label (`Relay`), or `*` for every function. */
  function: string;
  action: string;
  /** A fragment of the granted resource pattern (`*` for any). */
  resource: string;
  reason: string;
}
const OTHER_PATHS = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../grants-on-other-paths.json'), 'utf8'),
) as OtherPath[];

/** `BridgeRelayFunction6B18ABF9` -> `Relay`; anything else as it is. */
export function functionLabel(fn: Pick<HostedFunction, 'logicalId'>): string {
  return /^Bridge(\w+?)Function[0-9A-F]{8}$/.exec(fn.logicalId)?.[1] ?? fn.logicalId;
}

const sessionOf = (principal: string) => principal.split('/').pop() ?? principal;
const roleOf = (principal: string) => /assumed-role\/([^/]+)\//.exec(principal)?.[1];
const actionLike = (pattern: string, action: string) =>
  arnLike(pattern.toLowerCase(), action.toLowerCase());

/** Each distinct refusal as "<function> (<name>) was denied <action> on <resource>" (× count). */
export function deniedReport(
  decisions: Decision[],
  functions: HostedFunction[],
  options: { ignoreSessions?: RegExp[] } = {},
): string[] {
  const lines = decisions
    .filter((d) => !d.allowed)
    .filter((d) => !(options.ignoreSessions ?? []).some((r) => r.test(sessionOf(d.principal))))
    .map((d) => {
      const session = sessionOf(d.principal);
      const fn = functions.find((f) => f.name.slice(0, 64) === session);
      const who = fn ? `${functionLabel(fn)} (${fn.name})` : d.principal;
      return `${who} was denied ${d.action} on ${d.resource}`;
    });
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, count]) => (count > 1 ? `${line} (×${count})` : line));
}

/**
 * Each (action, resource) a function's role allows that no allowed decision of that role
 * used, minus the grants listed with the path that needs them: what is left is a grant to
 * remove (or a profile path to add).
 */
export function unusedGrants(
  roles: Map<string, ProvisionedRole>,
  decisions: Decision[],
  functions: HostedFunction[],
): string[] {
  const unused: string[] = [];
  const allowed = decisions.filter((d) => d.allowed);
  for (const fn of functions) {
    const role = [...roles.values()].find((r) => r.name === fn.roleName);
    if (!role) continue;
    const used = allowed.filter((d) => roleOf(d.principal) === role.name);
    const label = functionLabel(fn);
    for (const [action, resource] of grantsOf(role)) {
      const isUsed = used.some(
        (d) => actionLike(action, d.action) && arnLike(resource, d.resource),
      );
      const excused = OTHER_PATHS.some(
        (o) =>
          (o.function === '*' || o.function === label) &&
          o.action === action &&
          (o.resource === '*' || resource.includes(o.resource)),
      );
      if (!isUsed && !excused) unused.push(`${label}: ${action} on ${resource}`);
    }
  }
  return unused;
}

function grantsOf(role: ProvisionedRole): [string, string][] {
  const grants: [string, string][] = [];
  for (const { document } of role.policies) {
    for (const statement of document.Statement) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of [statement.Action].flat()) {
        for (const resource of [statement.Resource].flat()) grants.push([action, resource]);
      }
    }
  }
  for (const arn of role.managedPolicyArns) {
    const managed = MANAGED_POLICIES[arn.split('/').pop()!];
    if (!managed) throw new Error(`the profile does not know the managed policy ${arn}`);
    for (const action of managed.actions) grants.push([action, managed.resource]);
  }
  return grants;
}
