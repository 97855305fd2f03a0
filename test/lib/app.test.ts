import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors';
import { SECRET_ENV_VARS } from '../../functions/definitions/env-names';
import { loadBridgesForSynth } from '../../bin/app';
import { PROVIDERS } from '../../functions/providers';
import { STACK_OWNED_ENV, secretNames, settingNames, settingsFromEnv } from '../../lib/settings';
import { ROOM_A, writeBridgesFile } from './stack-fixture';

describe('synth-time configuration', () => {
  it('loads and validates the bridges file, resolving a relative path against the cwd', () => {
    // Prepare
    const file = writeBridgesFile();
    const [dir, name] = [
      file.slice(0, file.lastIndexOf('/')),
      file.slice(file.lastIndexOf('/') + 1),
    ];

    // Act
    const { bridges, path } = loadBridgesForSynth(name, dir);

    // Assess
    expect(path).toBe(file);
    expect(bridges.channelsOf('ivs')).toContain(ROOM_A);
  });

  it('fails the synth with the path of the bad field', () => {
    // Prepare
    const file = writeBridgesFile({
      bridges: [{ id: 'support', channels: [{ provider: 'ivs', channel: 'not-an-arn' }] }],
    });

    // Act
    const load = () => loadBridgesForSynth(file);

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/bridge "support": bridges\.0\.channels\.0\.channel: "not-an-arn"/);
  });

  it('names BRIDGES_FILE when the file cannot be read', () => {
    expect(() => loadBridgesForSynth('/nonexistent/bridges.json')).toThrow(
      /BRIDGES_FILE: cannot read \/nonexistent\/bridges\.json/,
    );
  });

  it('takes only plain settings from the deployer environment, never secrets or stack-owned names', () => {
    // Prepare
    const env = {
      GITPLE_HOST: 'live.example.com',
      IVS_BOT_USER_ID: 'bridge-bot',
      GITPLE_APP_API_KEY: 'secret',
      APP_JWT_SECRET: 'secret',
      EVENTS_TABLE: 'hand-made',
      PATH: '/usr/bin',
      // Local only: on Lambda, loopback is the runtime API.
      ALLOW_LOOPBACK_HTTP: 'true',
      WEBHOOK_SIGNING_SECRETS: '{"*":"whsec_c2VjcmV0"}',
    };

    // Act
    const settings = settingsFromEnv(env, PROVIDERS.modules);

    // Assess
    expect(settings).toEqual({ GITPLE_HOST: 'live.example.com', IVS_BOT_USER_ID: 'bridge-bot' });
    expect(secretNames(PROVIDERS.modules)).toEqual(expect.arrayContaining([...SECRET_ENV_VARS]));
    for (const name of [...secretNames(PROVIDERS.modules), ...STACK_OWNED_ENV]) {
      expect(settingNames(PROVIDERS.modules)).not.toContain(name);
    }
  });
});
