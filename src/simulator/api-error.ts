/** A Cloudflare API failure: rendered as the failure envelope with this HTTP status and `errors[].code`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: number;

  constructor(status: number, code: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}
