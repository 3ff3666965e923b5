import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliIO } from './io.js';
import { UsageError } from './io.js';

/** One input document stream: its text and where it came from (for `file:line:column` errors). */
export interface InputText {
  file: string;
  text: string;
}

const INPUT_EXTENSIONS = /\.(ya?ml|json)$/i;

/**
 * Reads every `-f` argument: a file, a directory (its .yaml/.yml/.json files, recursively, sorted
 * by path so results are deterministic), or `-` for stdin.
 */
export async function readInputs(paths: string[], io: CliIO): Promise<InputText[]> {
  if (paths.length === 0) throw new UsageError('no input: pass -f <file|dir|->');
  const out: InputText[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ file: '<stdin>', text: await io.stdin() });
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(p);
    } catch {
      throw new UsageError(`cannot read ${p}: no such file or directory`);
    }
    if (info.isDirectory()) {
      for (const file of await listInputFiles(p)) out.push({ file, text: await readFile(file, 'utf8') });
    } else {
      out.push({ file: p, text: await readFile(p, 'utf8') });
    }
  }
  return out;
}

async function listInputFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listInputFiles(full)));
    else if (INPUT_EXTENSIONS.test(entry.name)) files.push(full);
  }
  return files.sort();
}
