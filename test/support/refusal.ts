import { expect } from 'vitest';

/** Awaits a refusal and returns the reason it carries for the log (the AppError's cause). */
export async function refusalOf(
  promise: Promise<unknown>,
): Promise<{ status: unknown; code: unknown; publicMessage: unknown; reason: string }> {
  const error: unknown = await promise.then(
    () => expect.fail('expected a refusal, got success'),
    (e: unknown) => e,
  );
  const { status, code, publicMessage, cause } = error as Record<string, unknown>;
  return { status, code, publicMessage, reason: cause instanceof Error ? cause.message : '' };
}
