/**
 * The error registry: every failure a client can see has a stable `code`, an HTTP status and a
 * title. `docs/errors.md` lists the same codes; test/unit/errors-doc.test.ts keeps them in step.
 */
export const ERRORS = {
  bad_request: { status: 400, title: 'The request is malformed' },
  invalid_json: { status: 400, title: 'The body is not valid JSON' },
  validation_failed: { status: 400, title: 'The request does not match the schema' },
  unknown_field: { status: 400, title: 'The body has a field this endpoint does not accept' },
  unsupported_media_type: { status: 415, title: 'The body must be application/json' },
  body_too_large: { status: 413, title: 'The body is larger than allowed' },
  body_too_deep: { status: 400, title: 'The body nests arrays and objects deeper than allowed' },
  headers_too_large: { status: 431, title: 'The request headers are larger than allowed' },
  request_timeout: { status: 408, title: 'The request was not received in time' },
  invalid_poll: { status: 422, title: 'The poll definition is not valid' },
  poll_not_found: { status: 404, title: 'No poll has this id' },
  not_found: { status: 404, title: 'No such resource' },
  event_not_found: { status: 404, title: 'No event has this id or join code' },
  invalid_event: { status: 422, title: 'The event definition is not valid' },
  question_not_in_event: { status: 422, title: 'The question is not part of this event' },
  qa_closed: { status: 409, title: 'This event does not take questions from the audience now' },
  qa_text_invalid: { status: 422, title: 'The question text is blank or holds a control or bidi-override character' },
  qa_text_too_long: { status: 422, title: 'The question text is longer than allowed' },
  qa_name_invalid: { status: 422, title: 'The name is too long or holds a control or bidi-override character' },
  qa_name_required: { status: 422, title: 'This event asks every question to carry a name' },
  qa_name_not_allowed: { status: 422, title: 'This event takes anonymous questions only: send no name' },
  audience_question_not_found: { status: 404, title: 'No question from the audience of this event has this id' },
  already_upvoted: { status: 409, title: 'This voter already upvoted this question' },
  method_not_allowed: { status: 405, title: 'This method is not allowed here' },
  owner_token_required: { status: 401, title: 'This action needs the poll owner token' },
  owner_token_invalid: { status: 403, title: 'The owner token does not manage this poll' },
  poll_not_draft: { status: 409, title: 'Only a draft poll can be edited' },
  invalid_transition: { status: 409, title: 'The poll cannot move to that status from its current one' },
  poll_closed: { status: 409, title: 'The poll is closed' },
  poll_not_open: { status: 409, title: 'The poll is not open for voting yet' },
  already_voted: { status: 409, title: 'This voter has already voted in this poll' },
  invalid_option: { status: 422, title: 'An option id does not belong to this poll' },
  duplicate_option: { status: 422, title: 'The same option id is given more than once' },
  too_many_choices: { status: 422, title: 'More options chosen than the poll allows' },
  too_few_choices: { status: 422, title: 'At least one option must be chosen' },
  ranking_repeats_option: { status: 422, title: 'The ranking names the same option more than once' },
  ranking_unknown_option: { status: 422, title: 'The ranking names an option that is not in this question' },
  too_many_ranks: { status: 422, title: 'The ranking has more options than the question allows (maxRank)' },
  value_required: { status: 422, title: 'This question is answered with a value: the body needs value' },
  value_not_integer: { status: 422, title: 'The value must be a whole number' },
  value_out_of_scale: { status: 422, title: "The value is outside the question's scale" },
  value_not_accepted: { status: 422, title: 'This question is answered with optionIds, not a value' },
  options_not_accepted: { status: 422, title: 'This question is answered with a value, not optionIds' },
  text_required: { status: 422, title: 'This question is answered with text: the body needs a non-empty text' },
  text_invalid: { status: 422, title: 'The answer has a control or bidi-override character, or is not well-formed text' },
  text_too_long: { status: 422, title: "The answer is longer than the question allows (maxLength)" },
  text_not_accepted: { status: 422, title: 'This question is not answered with text' },
  answer_not_found: { status: 404, title: 'No answer has this id in this question' },
  answer_too_late: { status: 409, title: "The quiz question's time limit has passed: the answer was not counted" },
  nickname_invalid: { status: 422, title: 'A nickname is 1–24 characters without control or bidi-override characters' },
  nickname_taken: { status: 409, title: 'Another participant of this event has this nickname' },
  nickname_offensive: { status: 422, title: 'This nickname is on the list of words we do not show' },
  voter_id_required: { status: 422, title: 'This poll names voters: the body needs a voterId' },
  voter_id_not_allowed: { status: 422, title: 'This poll identifies voters by token: voterId is not accepted' },
  voter_token_invalid: { status: 401, title: 'The voter token is not valid' },
  idempotency_key_invalid: { status: 400, title: 'The Idempotency-Key header is malformed' },
  idempotency_key_reused: { status: 422, title: 'This Idempotency-Key was used with a different request' },
  results_hidden: { status: 403, title: 'The results of this poll are not visible to you yet' },
  authentication_required: { status: 401, title: 'Log in, or send an API key, to do this' },
  invalid_credentials: { status: 401, title: 'The email or the password is wrong' },
  api_key_invalid: { status: 401, title: 'The API key is not valid or was revoked' },
  login_required: { status: 401, title: 'This poll counts the votes of logged-in users only' },
  trusted_caller_required: { status: 401, title: 'This poll takes voter ids only from a trusted caller: an API key with votes:write, or the owner token' },
  csrf_token_invalid: { status: 403, title: 'The X-CSRF-Token header is missing or does not match the session' },
  forbidden: { status: 403, title: 'Your role does not allow this' },
  insufficient_scope: { status: 403, title: 'The API key does not have the scope this needs' },
  password_incorrect: { status: 403, title: 'The current password is wrong' },
  invite_code_required: { status: 422, title: 'This poll takes votes with an invite code: the body needs inviteCode' },
  invite_code_invalid: { status: 403, title: 'The invite code is not valid for this poll' },
  proof_of_work_required: { status: 403, title: 'This poll needs a solved proof-of-work challenge with each vote' },
  proof_of_work_invalid: { status: 403, title: 'The proof of work is wrong, expired or already used' },
  ip_cap_reached: { status: 403, title: 'This network address has cast as many votes as this poll allows per address' },
  email_taken: { status: 409, title: 'An account with this email already exists' },
  weak_password: { status: 422, title: 'The password does not meet the rules' },
  workspace_not_found: { status: 404, title: 'No workspace with this id is visible to you' },
  invitation_not_found: { status: 404, title: 'No pending invitation has this id for you' },
  member_not_found: { status: 404, title: 'This user is not a member of the workspace' },
  api_key_not_found: { status: 404, title: 'No active API key with this id in the workspace' },
  last_owner: { status: 409, title: 'A workspace keeps at least one owner' },
  webhook_url_invalid: { status: 422, title: 'The webhook URL is not an absolute http(s) URL without credentials, of at most 2,048 characters' },
  webhook_url_not_allowed: { status: 422, title: 'The webhook URL points at a loopback, private, link-local or otherwise non-public address' },
  unknown_webhook_event: { status: 422, title: 'An event name is not one a webhook can subscribe to' },
  webhook_not_found: { status: 404, title: 'No webhook endpoint with this id in the workspace' },
  too_many_webhooks: { status: 409, title: 'The workspace has as many webhook endpoints as allowed' },
  delivery_not_found: { status: 404, title: 'No delivery with this id for this webhook endpoint' },
  invalid_time_range: { status: 422, title: 'The time range is not valid: from must be before to, both ISO 8601 times' },
  email_disabled: { status: 409, title: 'This server sends no e-mail (SMTP_URL is not set)' },
  email_not_verified: { status: 403, title: 'Confirm your e-mail address first (the link in the verification e-mail)' },
  reset_link_invalid: { status: 400, title: 'The password reset link is not valid (altered, or not issued here)' },
  reset_link_expired: { status: 410, title: 'The password reset link has expired: ask for a new one' },
  reset_link_used: { status: 409, title: 'The password reset link was already used (or the password changed since): ask for a new one' },
  verify_link_invalid: { status: 400, title: 'The verification link is not valid (altered, not issued here, or for another address)' },
  verify_link_expired: { status: 410, title: 'The verification link has expired: ask for a new one' },
  receipt_not_found: { status: 404, title: 'No counted vote has this receipt id and receipt key' },
  receipt_key_required: { status: 401, title: 'Checking a receipt needs its receipt key (the Receipt-Key header)' },
  poll_not_closed: { status: 409, title: 'The poll is not closed yet: its commitment is published when it closes' },
  rate_limited: { status: 429, title: 'Too many requests: slow down and retry later' },
  too_many_streams: { status: 429, title: 'This address has as many live-results streams open as allowed: close one or retry later' },
  overloaded: { status: 503, title: 'The server is busy: retry later' },
  too_many_connections: { status: 503, title: 'The server has as many connections open as it takes: retry later' },
  shutting_down: { status: 503, title: 'The server is shutting down: retry on another instance' },
  store_unavailable: { status: 503, title: 'The database is unavailable: retry later' },
  internal_error: { status: 500, title: 'Unexpected server error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A failure with a registered code; the HTTP layer turns it into application/problem+json. */
export class PollcastError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extra: Record<string, unknown> | undefined;
  readonly retryAfterSec: number | undefined;

  constructor(code: ErrorCode, detail?: string, extra?: Record<string, unknown>, retryAfterSec?: number) {
    super(detail ?? ERRORS[code].title);
    this.name = 'PollcastError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.extra = extra;
    this.retryAfterSec = retryAfterSec;
  }
}

export function isPollcastError(err: unknown): err is PollcastError {
  return err instanceof PollcastError;
}
