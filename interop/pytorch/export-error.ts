/** Why an export cannot be made. */
export type ExportErrorReason =
  /** The model has error findings (convlens summary shows them). */
  | 'errorFindings'
  /** A value that static evaluation could not know. */
  | 'unknownValue'
  /** A construct PyTorch has no equivalent for. */
  | 'unsupported'
  /** The export's files exist and `force` was not given. */
  | 'fileExists';

/**
 * The export cannot be made. The message is one line; for a model it names the export and
 * the layer (its engine name and path, as `convlens summary` shows them) and what to do.
 */
export class ExportError extends Error {
  override readonly name = 'ExportError';

  constructor(
    message: string,
    readonly reason: ExportErrorReason,
  ) {
    super(message);
  }
}
