import type { Problem } from '../contract/common-schemas';

/** An error answer of the API: the RFC 9457 problem it sent, with its stable `code`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
  }
}

/** The server answered with something its OpenAPI contract does not allow. */
export class ApiContractError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiContractError';
  }
}
