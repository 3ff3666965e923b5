export type { CliIO } from './io.js';
export { ExitCode, UsageError } from './io.js';
export type { CommandModule } from './main.js';
export { main } from './main.js';
