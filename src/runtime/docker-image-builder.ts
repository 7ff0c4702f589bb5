import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AspError } from '../errors.ts';
import type { DockerClient, ImageSummary } from './docker-client.ts';

/**
 * Makes sure the persona image exists and matches the sources, by running
 * docker/build-image.sh: the one place that knows how the image is built
 * (staged context, offline base). The script skips the build in well under a
 * second when the image's fingerprint matches, so calling it on every start
 * is cheap.
 */
export const BUILD_SCRIPT = fileURLToPath(new URL('../../docker/build-image.sh', import.meta.url));

export interface EnsureImageOptions {
  image: string;
  /** 'auto': build when missing or stale; 'never': use what the engine has. */
  build: 'auto' | 'never';
  /** true: --offline; false: --online; undefined: the script decides. */
  offline: boolean | undefined;
  client: DockerClient;
  /** Receives the script's progress lines. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

const BUILD_TIMEOUT_MS = 15 * 60_000;

export async function ensureImage(options: EnsureImageOptions): Promise<ImageSummary> {
  const { image, client } = options;
  if (options.build === 'never' || !existsSync(BUILD_SCRIPT)) {
    const found = await client.image(image);
    if (!found) {
      throw new AspError('RUNTIME_FAILED', `the Docker image ${image} does not exist`, {
        hint: 'build it with docker/build-image.sh (add --offline when no registry is reachable)',
      });
    }
    return found;
  }
  const args = [BUILD_SCRIPT];
  if (options.offline === true) args.push('--offline');
  if (options.offline === false) args.push('--online');
  await new Promise<void>((resolve, reject) => {
    const child = execFile(
      'bash',
      args,
      {
        env: { ...process.env, ASP_IMAGE: image },
        timeout: BUILD_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        reject(
          new AspError('RUNTIME_FAILED', `building the Docker image ${image} failed: ${stderr.trim() || err.message}`, {
            cause: err,
            hint: 'run docker/build-image.sh yourself to see the whole output (add --offline when no registry is reachable)',
          }),
        );
      },
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) options.onProgress?.(line);
    });
  });
  const built = await client.image(image);
  if (!built) throw new AspError('RUNTIME_FAILED', `docker/build-image.sh succeeded but ${image} is missing`);
  return built;
}
