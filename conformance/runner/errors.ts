/** Why a case did not pass, by channel: conformance failure vs harness/adapter trouble. */

export class AssertionFailure extends Error {
  constructor(
    message: string,
    readonly expected: unknown,
    readonly observed: unknown,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AssertionFailure';
  }
}

/** The implementation did not produce an expected observation in time: a conformance failure. */
export class WaitTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaitTimeout';
  }
}

/** The adapter broke the protocol (malformed line, crash before hello, …): reported as error. */
export class AdapterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdapterError';
  }
}

/** A case declared itself not applicable at run time (e.g. a capability probe failed). */
export class CaseSkip extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CaseSkip';
  }
}
