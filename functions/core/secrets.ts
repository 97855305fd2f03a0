/**
 * Settings by variable name, merged from the environment and (on AWS) Secrets Manager. Every
 * provider part reads the same merged values, so a setting means the same wherever an operator
 * put it. Names are strings here: each provider module declares the names it reads, and the
 * registry test checks every read against those declarations.
 */
export type SecretValues = Readonly<Record<string, string | undefined>>;

export interface SecretsSource {
  /** Current values; cached, so calling per request is cheap. */
  load(): Promise<SecretValues>;
}
