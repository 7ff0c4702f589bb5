import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

/**
 * Reading a user's text file safely: only a regular file (never a device
 * such as /dev/zero, a FIFO that would block forever, a socket or a folder),
 * with the byte limit enforced while reading (a file's reported size can be 0
 * or change under us), and its UTF-8 checked rather than silently replaced.
 */

export type TextFileProblem = { kind: 'not-regular'; what: string } | { kind: 'too-large'; limit: number } | { kind: 'unreadable'; code: string };

export class TextFileError extends Error {
  constructor(readonly problem: TextFileProblem) {
    super(describeProblem(problem));
  }
}

function describeProblem(p: TextFileProblem): string {
  switch (p.kind) {
    case 'not-regular':
      return `it is ${p.what}, not a regular file`;
    case 'too-large':
      return `the file is larger than ${p.limit} bytes`;
    case 'unreadable':
      return `cannot read it (${p.code})`;
  }
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The bytes of a regular file of at most `maxBytes`; throws TextFileError otherwise. */
export function readRegularFile(file: string, maxBytes: number): Buffer {
  let fd: number | undefined;
  try {
    const before = statSync(file);
    if (!before.isFile()) throw new TextFileError({ kind: 'not-regular', what: kindOf(before) });
    // O_NONBLOCK: should the path be swapped for a FIFO after the check, open() still returns at once.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const st = fstatSync(fd);
    if (!st.isFile()) throw new TextFileError({ kind: 'not-regular', what: kindOf(st) });
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new TextFileError({ kind: 'too-large', limit: maxBytes });
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof TextFileError) throw err;
    throw new TextFileError({ kind: 'unreadable', code: (err as NodeJS.ErrnoException).code ?? String(err) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface Utf8Error {
  /** Byte offset of the first byte that is not valid UTF-8 (0-based). */
  offset: number;
  /** 1-based line and column (column in bytes from the start of the line). */
  line: number;
  column: number;
}

/** Where the first invalid UTF-8 sequence starts, or undefined when the bytes are valid UTF-8. */
export function findInvalidUtf8(bytes: Uint8Array): Utf8Error | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return position(bytes, i);
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return position(bytes, i);
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return position(bytes, i);
    i += need + 1;
  }
  return undefined;
}

function position(bytes: Uint8Array, offset: number): Utf8Error {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}
