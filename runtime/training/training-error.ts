/**
 * A problem with what the user asked the runtime to do — a dataset that does not fit the
 * model, a diverging loss, a checkpoint of another model — as opposed to a bug. Clients
 * show its message as is, on one line.
 */
export class TrainingError extends Error {
  override readonly name = 'TrainingError';
}
