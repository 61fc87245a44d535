// RFC 9457 problems as the API answers them, and the error the console throws with one.

export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

export interface Problem {
  status: number;
  code: string;
  detail?: string;
  errors?: FieldProblem[];
  /** End of the freeze window, on `423 frozen`. */
  ends_at?: string;
  /** Seconds to wait, from `Retry-After`, on `429 rate_limited`. */
  retry_after?: number;
}

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.code);
    this.name = 'ApiError';
    this.problem = problem;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The problem a failed response carries, or one made from its status when the body is not one. */
export function problemOf(body: unknown, response: Response): Problem {
  const retryAfter = Number(response.headers.get('retry-after'));
  const extra = Number.isFinite(retryAfter) && retryAfter > 0 ? { retry_after: retryAfter } : {};
  if (isRecord(body) && typeof body.code === 'string') {
    return {
      status: typeof body.status === 'number' ? body.status : response.status,
      code: body.code,
      detail: typeof body.detail === 'string' ? body.detail : undefined,
      errors: Array.isArray(body.errors) ? (body.errors as FieldProblem[]) : undefined,
      ends_at: typeof body.ends_at === 'string' ? body.ends_at : undefined,
      ...extra,
    };
  }
  return { status: response.status, code: `http_${response.status}`, ...extra };
}

/** The problem of anything thrown while talking to the API. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  console.error(error);
  return { status: 0, code: 'client_error', detail: error instanceof Error ? error.message : String(error) };
}

type Answer<T> = { data: T; error?: never; response: Response } | { data?: never; error: unknown; response: Response };

/**
 * The data of a successful call; throws an `ApiError` for a problem or a lost connection.
 * (Answers without a body, such as `204`, resolve to `undefined`; their callers ignore it.)
 */
export async function call<T>(pending: Promise<Answer<T>>): Promise<Exclude<T, undefined>> {
  let answer: Answer<T>;
  try {
    answer = await pending;
  } catch (error) {
    throw new ApiError({ status: 0, code: 'network_error', detail: error instanceof Error ? error.message : String(error) });
  }
  if (!answer.response.ok) throw new ApiError(problemOf(answer.error, answer.response));
  return answer.data as Exclude<T, undefined>;
}
