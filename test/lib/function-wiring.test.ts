import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/definitions/functions';
import {
  FUNCTION_NAMES,
  FUNCTION_WIRING,
  invocationProblems,
  invocationSources,
  wiringOf,
} from '../../lib/function-wiring';
import { PROJECT_ROOT } from '../../lib/house-function';

describe('FUNCTION_WIRING: every function decided in one place', () => {
  it('decides every FUNCTIONS entry and nothing else', () => {
    // Assess
    expect(Object.keys(FUNCTION_WIRING).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    expect([...FUNCTION_NAMES].sort()).toEqual(Object.keys(FUNCTIONS).sort());
  });

  it('agrees with the routes, stream consumers and schedules that invoke the functions', () => {
    // Act
    const problems = invocationProblems(invocationSources());

    // Assess
    expect(problems).toEqual([]);
  });

  it('names a route that invokes a function wired for another kind of invocation', () => {
    // Prepare
    const sources = [
      ...invocationSources(),
      { source: 'WS_ROUTES $connect', function: 'Relay' as const, invocation: 'sync' as const },
    ];

    // Act
    const problems = invocationProblems(sources);

    // Assess
    expect(problems).toEqual([
      'WS_ROUTES $connect invokes Relay as sync, but FUNCTION_WIRING says stream',
    ]);
  });

  it('names a scheduled function that no schedule runs', () => {
    // Prepare
    const sources = invocationSources().filter((s) => s.source !== 'SCHEDULED_FUNCTIONS');

    // Act
    const problems = invocationProblems(sources, wiringOf);

    // Assess
    expect(problems).toEqual(['Pollers is wired as schedule, but nothing invokes it that way']);
  });

  it('gives the relay runtime values to every function that builds it, and only those', () => {
    // Prepare: getRelayRuntime() reads WS_MANAGEMENT_ENDPOINT and DEAD_LETTER_QUEUE_URL at init.
    const relayRuntimeUsers = FUNCTION_NAMES.filter((name) =>
      readFileSync(join(PROJECT_ROOT, 'functions', FUNCTIONS[name].entry), 'utf8').includes(
        'getRelayRuntime(',
      ),
    ).sort();

    // Act
    const wired = FUNCTION_NAMES.filter((name) => wiringOf(name).relayRuntime).sort();

    // Assess
    expect(relayRuntimeUsers).toEqual(['DeadLetters', 'Relay', 'WsMessage']);
    expect(wired).toEqual(relayRuntimeUsers);
  });
});
