import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBridgesConfig } from '../../functions/core/bridges';
import type { ProviderModule } from '../../functions/core/provider-module';
import { ProviderRegistry } from '../../functions/core/provider-registry';
import { ENV_VARS } from '../../functions/definitions/env-names';
import { PROVIDERS } from '../../functions/providers';

const PROVIDERS_DIR = resolve(import.meta.dirname, '../../functions/providers');
/** Platform variables any part may read (the SDK's own convention), declared by no provider. */
const PLATFORM = new Set(['AWS_REGION']);

function sourcesOf(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourcesOf(path);
    return name.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

/** Every variable a provider's code reads: `secrets.X`, `env.X`, `settings.X` or a quoted name. */
function variablesRead(module: ProviderModule): Set<string> {
  const prefix = `${module.name.toUpperCase()}_`;
  const names = new Set<string>();
  for (const source of sourcesOf(join(PROVIDERS_DIR, module.name))) {
    for (const [, name] of source.matchAll(/\b(?:secrets|env|settings)\??\.([A-Z][A-Z0-9_]+)\b/g)) {
      names.add(name!);
    }
    for (const [, name] of source.matchAll(/['"`]([A-Z][A-Z0-9]*_[A-Z0-9_]+)['"`]/g)) {
      if (name!.startsWith(prefix)) names.add(name!);
    }
  }
  return names;
}

describe('the provider registry: every module’s parts match what it declares', () => {
  it.each(PROVIDERS.modules.map((m) => [m.name, m] as const))('%s', (name, module) => {
    // Its folder and its line: the folder is named after the module.
    expect(statSync(join(PROVIDERS_DIR, name, 'index.ts')).isFile()).toBe(true);
    expect(statSync(join(PROVIDERS_DIR, name, 'README.md')).isFile()).toBe(true);

    // The channel format accepts its own example.
    expect(module.channelIdFormat.pattern.test(module.channelIdFormat.example)).toBe(true);

    // Every variable its code reads is declared (or the bridge's own, or the platform's).
    const declared = new Set([...Object.keys(module.settings), ...Object.keys(ENV_VARS)]);
    const undeclared = [...variablesRead(module)].filter(
      (v) => !declared.has(v) && !PLATFORM.has(v),
    );
    expect(undeclared).toEqual([]);
    for (const setting of Object.values(module.settings)) {
      expect(setting.description.length).toBeGreaterThan(5);
    }

    // No settings, no bot: a user can only be refused an identity an operator configured.
    expect(module.botIdentities({})).toEqual([]);

    if (module.webhook) {
      const adapter = module.webhook.create({});
      expect(adapter.provider).toBe(name);
      const { queryKey, verifiedBy } = module.webhook.registration;
      const secret = queryKey ?? verifiedBy?.secret;
      expect(secret, 'a webhook says how its URL is verified').toBeDefined();
      expect(module.settings[secret!]?.secret).toBe(true);
      // Unconfigured, it proves nothing and so accepts nothing.
      expect(() =>
        adapter.verify({ headers: {}, query: {}, rawBody: '{}', body: {} }),
      ).toThrowError(expect.objectContaining({ status: 401 }));
    }
    if (module.outbound) {
      const adapter = module.outbound({ settings: {} });
      expect(adapter.provider).toBe(name);
      const capabilities = adapter.capabilities({ provider: name, channel: 'x', mode: 'message' });
      expect(Object.keys(capabilities).sort()).toEqual(
        ['attachments', 'delete', 'edit', 'findSent', 'maxTextLength', 'replies', 'send'].sort(),
      );
      // Whatever can send says why it cannot when nothing is configured.
      const required = Object.values(module.settings).some((s) => s.required);
      if (required) expect(adapter.unavailableReason()).toEqual(expect.any(String));
      if (capabilities.delete) expect(adapter.delete).toBeTypeOf('function');
      if (capabilities.edit) expect(adapter.edit).toBeTypeOf('function');
      // An adapter looks for its copies exactly when it says it can (the relay asks the flag).
      expect(typeof adapter.findSent === 'function').toBe(capabilities.findSent);
    }
    if (module.token) {
      if ('unsupported' in module.token)
        expect(module.token.unsupported.length).toBeGreaterThan(10);
      else expect(module.token.create({ env: {}, clients: { fetch } })).toBeTypeOf('function');
    }
    if (module.poller) expect(module.poller.poll).toBeTypeOf('function');

    // Portal rules: every provider says whether it opens channels, and why not when it cannot.
    const creation = module.channelCreation;
    expect(creation, 'channelCreation is declared, supported or not').toBeDefined();
    if (creation && 'unsupported' in creation) {
      expect(creation.unsupported.length).toBeGreaterThan(10);
    } else if (creation) {
      const adapter = module.outbound?.({ settings: {} });
      expect(adapter?.createChannel, 'the outbound adapter creates channels').toBeTypeOf(
        'function',
      );
      // A named channel is one of the provider's channel ids, and the same for the same key.
      const settings = Object.fromEntries(Object.keys(module.settings).map((k) => [k, 'abc123']));
      const id = creation.channelId('ps-portal-0123456789abcdef', settings);
      expect(id).toMatch(module.channelIdFormat.pattern);
      expect(creation.channelId('ps-portal-0123456789abcdef', settings)).toBe(id);
      expect(creation.channelId('ps-portal-0123456789abcdef-2', settings)).not.toBe(id);
      expect(creation.maxMembers).toBeGreaterThanOrEqual(0);
    }
  });

  it('lists every provider folder, and no variable belongs to two providers', () => {
    const folders = readdirSync(PROVIDERS_DIR).filter(
      (name) => name !== 'shared' && statSync(join(PROVIDERS_DIR, name)).isDirectory(),
    );
    expect(PROVIDERS.names.sort()).toEqual(folders.sort());
    const names = PROVIDERS.modules.flatMap((m) => Object.keys(m.settings));
    expect(new Set(names).size).toBe(names.length);
  });

  it('derives every per-provider lookup from one added module (the guide’s promise)', async () => {
    const echoChat: ProviderModule = {
      name: 'echochat',
      channelIdFormat: { pattern: /^ec-[0-9]+$/, example: 'ec-1' },
      settings: {
        ECHOCHAT_TOKEN: { description: 'EchoChat bot token', secret: true, required: true },
        ECHOCHAT_BOT_ID: { description: 'EchoChat bot user' },
      },
      botIdentities: (s) => (s.ECHOCHAT_BOT_ID ? [s.ECHOCHAT_BOT_ID] : []),
      token: { unsupported: 'EchoChat clients sign in by themselves' },
    };
    const registry = new ProviderRegistry([...PROVIDERS.modules, echoChat]);
    const settings = { ECHOCHAT_TOKEN: 't', ECHOCHAT_BOT_ID: 'bot-1' };

    const bridges = parseBridgesConfig(
      { bridges: [{ id: 'b', channels: [{ provider: 'echochat', channel: 'ec-7' }] }] },
      registry.channelIdFormats(),
    );

    expect(bridges.forChannel('echochat', 'ec-7')?.bridge.id).toBe('b');
    expect(registry.status(settings).echochat).toBe('configured');
    expect(registry.status({}).echochat).toBe('not-configured');
    expect(registry.missingSettings('echochat', {})).toEqual(['ECHOCHAT_TOKEN']);
    expect(registry.settings().ECHOCHAT_TOKEN).toMatchObject({
      provider: 'echochat',
      secret: true,
    });
    expect(registry.tokenFlows({}, { fetch }).echochat).toEqual({
      unsupported: 'EchoChat clients sign in by themselves',
    });
    expect(registry.webhookAdapter('echochat', settings)).toBeUndefined();
    expect(await registry.botIdentities({ load: async () => settings }).of('echochat')).toEqual([
      'bot-1',
    ]);
    expect(() =>
      parseBridgesConfig(
        { bridges: [{ id: 'b', channels: [{ provider: 'echochat', channel: 'ec-7' }] }] },
        PROVIDERS.channelIdFormats(),
      ),
    ).toThrow(/unknown provider "echochat"/);
  });

  it('refuses a module listed twice or named like the bridge’s own clients', () => {
    const [first] = PROVIDERS.modules;
    expect(() => new ProviderRegistry([first!, first!])).toThrow(/listed twice/);
    expect(() => new ProviderRegistry([{ ...first!, name: 'web' }])).toThrow(/reserved/);
  });
});
