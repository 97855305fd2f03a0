/**
 * What the stack needs to know of each provider, as plain data. The app (bin/) passes the
 * registry's modules in, so lib/ never imports provider code (or the SDKs it pulls in).
 */
export interface ProviderDescription {
  readonly name: string;
  readonly settings: Readonly<Record<string, { description: string; secret?: boolean }>>;
  readonly webhook?: { readonly registration: WebhookRegistration };
}

/** How a provider's webhook URL proves a delivery, as far as the URL a user registers goes. */
export interface WebhookRegistration {
  /** The secret whose value the registered URL carries as `?key=`. */
  queryKey?: string;
  /** The secret holding what the provider sends back for verification. */
  verifiedBy?: { secret: string; how: string };
}
