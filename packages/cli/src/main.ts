import type { CliIO } from './io.js';
import { ExitCode, UsageError } from './io.js';

/** A `gateway` subcommand: `run` gets the arguments after the command words. */
export interface CommandModule {
  run(argv: string[], io: CliIO): Promise<number>;
  help?: string;
}

interface CommandEntry {
  /** Command words, e.g. ['render', 'envoy']. */
  words: string[];
  summary: string;
  load: () => Promise<CommandModule>;
}

/**
 * Every command, in help order. Modules load lazily so `gateway validate` never pays for the
 * proxy or the gRPC stack.
 */
const COMMANDS: CommandEntry[] = [
  {
    words: ['demo'],
    summary: 'run the quickstart: two demo upstreams behind the gateway on :8080',
    load: () => import('./commands/demo.js'),
  },
  {
    words: ['validate'],
    summary: 'check resources; exit 1 with one line per error',
    load: () => import('./commands/validate.js'),
  },
  {
    words: ['compile'],
    summary: 'print the GatewayIR (-o json|yaml)',
    load: () => import('./commands/compile.js'),
  },
  {
    words: ['render', 'envoy'],
    summary: 'print Envoy v3 resources or a bootstrap',
    load: () => import('./commands/render-envoy.js'),
  },
  {
    words: ['render', 'kubernetes'],
    summary: 'print Kubernetes objects (--kind ingress|gateway-api|services|install)',
    load: () => import('./commands/render-kubernetes.js'),
  },
  {
    words: ['render', 'metallb'],
    summary: 'print MetalLB configuration (ConfigMap or CRDs)',
    load: () => import('./commands/render-metallb.js'),
  },
  { words: ['metallb'], summary: 'metallb convert | allocate', load: () => import('./commands/metallb.js') },
  { words: ['serve'], summary: 'run the in-process gateway', load: () => import('./commands/serve.js') },
  {
    words: ['xds'],
    summary: 'run the ADS server for Envoy and gRPC xDS clients',
    load: () => import('./commands/xds.js'),
  },
  {
    words: ['controller'],
    summary: 'watch a cluster and feed the proxy or the xDS server',
    load: () => import('./commands/controller.js'),
  },
];

const USAGE = `gateway <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.words.join(' ').padEnd(20)} ${c.summary}`).join('\n')}

Input: -f takes files, directories (*.yaml, *.yml, *.json) or - for stdin, and may repeat.
Exit codes: 0 ok, 1 invalid input, 2 usage error.
Run 'gateway <command> --help' for a command's options and examples.
`;

/** Finds the command whose words prefix argv (longest first) and runs it. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(USAGE);
    return argv.length === 0 ? ExitCode.Usage : ExitCode.Ok;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.stdout(`${VERSION}\n`);
    return ExitCode.Ok;
  }
  const entry = [...COMMANDS]
    .sort((a, b) => b.words.length - a.words.length)
    .find((c) => c.words.every((w, i) => argv[i] === w));
  if (!entry) {
    io.stderr(`gateway: unknown command '${argv.slice(0, 2).join(' ')}'\n\n${USAGE}`);
    return ExitCode.Usage;
  }
  const mod = await entry.load();
  const rest = argv.slice(entry.words.length);
  if ((rest.includes('--help') || rest.includes('-h')) && mod.help) {
    io.stdout(withExitCodes(mod.help));
    return ExitCode.Ok;
  }
  try {
    return await mod.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`gateway ${entry.words.join(' ')}: ${(err as Error).message}\n`);
      if (mod.help) io.stderr(`\n${withExitCodes(mod.help)}`);
      return ExitCode.Usage;
    }
    throw err;
  }
}

const EXIT_CODES = 'Exit codes: 0 ok, 1 invalid input, 2 usage error.';

/** A command's help with the exit codes every command shares, unless it states them itself. */
function withExitCodes(help: string): string {
  const text = help.endsWith('\n') ? help : `${help}\n`;
  return text.includes('Exit codes:') ? text : `${text}\n${EXIT_CODES}\n`;
}

declare const __GATEWAY_VERSION__: string | undefined;
const VERSION = typeof __GATEWAY_VERSION__ === 'string' ? __GATEWAY_VERSION__ : '0.1.0';
