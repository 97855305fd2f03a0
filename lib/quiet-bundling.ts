/**
 * aws-cdk-lib writes `Bundling asset <path>...` to stderr for every function on every synth,
 * unconditionally (core/lib/asset-staging.js), so `cdk synth -q` printed one line per Lambda.
 * Only that exact progress line is dropped; anything else on stderr (esbuild warnings and
 * errors, cdk-nag findings) still shows.
 */
const BUNDLING_PROGRESS = /^Bundling asset [^\n]*\.\.\.\n$/;

export function dropBundlingProgress(stream: NodeJS.WriteStream = process.stderr): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && BUNDLING_PROGRESS.test(chunk)) {
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (callback) queueMicrotask(callback);
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
