/** The help text (`convlens --help`) and the one-line reminder that usage errors end with. */
export const USAGE = `Usage: convlens <command> [options]

Commands:
  summary <file.ts> --execute [--model EXPORT] [--json]
      Output shapes, parameters, MACs and receptive fields of every model and GAN that
      <file.ts> exports, layer by layer, with totals and findings.
        --execute        Run the file (bundled with esbuild) to get its models. Required for
                         now: the static mode, which runs no code, is not available yet.
        --model EXPORT   Summarise only the export named EXPORT.
        --json           Print JSON instead of tables.

Options:
  -h, --help             Show this help.

Exit status: 0 when no model has an error finding, 1 when one has, 2 when the command
or the file could not be used (the message says why).
`;

export const SUMMARY_SYNOPSIS = 'convlens summary <file.ts> --execute [--model EXPORT] [--json]';
