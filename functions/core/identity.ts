import * as v from 'valibot';
import { UnauthorizedError } from './errors';
import { firstIssue } from './validation';

/**
 * Who is calling, as decided by a verified app JWT. Everything the bridge grants (provider
 * capabilities, bridges, display names) comes from here, never from the request body.
 */
export interface AppIdentity {
  /** The user id (`sub`). */
  sub: string;
  /** Display name (`name`). */
  name?: string;
  /** Optional `email` claim, for providers that insist on one. */
  email?: string;
  /** e.g. `["moderator"]`; empty when the claim is absent. */
  roles: string[];
  /** Bridge ids this caller may use; absent means every bridge. */
  bridges?: string[];
}

export const MODERATOR_ROLE = 'moderator';
/** Manages bridges (`/bridges` API) and may read the history of closed or deleted ones. */
export const OPERATOR_ROLE = 'operator';

const nonEmpty = v.pipe(v.string(), v.minLength(1));

/** The claims the bridge reads; any other claim is ignored. */
const AppClaimsSchema = v.object({
  sub: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  name: v.optional(v.string()),
  email: v.optional(v.string()),
  roles: v.optional(v.array(nonEmpty), []),
  bridges: v.optional(v.array(nonEmpty)),
});

/** Turn verified claims into an identity; claims of the wrong type are a 401, naming the claim. */
export function identityFromClaims(claims: unknown): AppIdentity {
  const result = v.safeParse(AppClaimsSchema, claims);
  if (!result.success) {
    // A token's claims are not a payload: a wrong one is a 401 naming the claim.
    const claim = firstIssue(result.issues).field ?? 'claims';
    throw new UnauthorizedError(`the app token's "${claim}" claim is missing or invalid`);
  }
  const { sub, name, email, roles, bridges } = result.output;
  return {
    sub,
    ...(name !== undefined && name.trim() !== '' && { name: name.trim() }),
    ...(email !== undefined && email !== '' && { email }),
    roles,
    ...(bridges !== undefined && { bridges }),
  };
}

/** A caller whose token lists bridges may use only those; no list means all bridges. */
export function canUseBridge(identity: AppIdentity, bridgeId: string): boolean {
  return identity.bridges === undefined || identity.bridges.includes(bridgeId);
}

export function hasRole(identity: AppIdentity, role: string): boolean {
  return identity.roles.includes(role);
}
