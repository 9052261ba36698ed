/**
 * Every error code the API can answer, as a sentence a person can act on. Typed against the
 * server's registry, so a new code fails the web type check until it has a message here.
 * Pure (no DOM): test/unit/web-error-messages.test.ts imports it under Node.
 */
import type { ErrorCode } from '../../../src/errors.js';

export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  bad_request: 'Something in that request was garbled. Reload the page and try again.',
  invalid_json: 'The app sent something the server could not read. Reload the page and try again.',
  validation_failed: 'Some details are not in the expected form. Check what you entered and try again.',
  unknown_field: 'The app sent a detail the server does not accept. Reload the page to get the latest version.',
  unsupported_media_type: 'The app sent data in a format the server does not accept. Reload the page and try again.',
  body_too_large: 'That is too much text to send at once. Shorten the question or the options.',
  body_too_deep: 'The app sent data nested too deeply for the server. Reload the page and try again.',
  headers_too_large: 'The request carried too much extra data. Clear this site’s cookies and try again.',
  request_timeout: 'The connection was too slow to send that in time. Try again.',
  invalid_poll: 'Some details of the poll do not fit together. Check them and try again.',
  poll_not_found: 'We could not find this poll. Check the link or code: the poll may have been deleted.',
  not_found: 'There is nothing at this address.',
  event_not_found: 'No event has this code. Check the code on the screen and try again.',
  invalid_event: 'The event is not valid: check the title and questions.',
  question_not_in_event: 'That question is not part of this event.',
  method_not_allowed: 'That action is not possible here.',
  owner_token_required: 'Only the person who created this poll can do this, from the browser they created it in or with their owner link.',
  owner_token_invalid: 'The owner key in this browser does not match this poll, so it cannot manage it.',
  poll_not_draft: 'This poll has already opened, so it can no longer be edited.',
  invalid_transition: 'The poll changed meanwhile. We reloaded it: check its status and try again.',
  poll_closed: 'This poll is closed and no longer takes votes.',
  poll_not_open: 'This poll is not open for voting yet.',
  already_voted: 'You have already voted in this poll.',
  invalid_option: 'That choice is no longer part of this poll. Reload the page and choose again.',
  duplicate_option: 'The same choice was sent twice. Reload the page and vote again.',
  too_many_choices: 'You picked more options than this poll allows.',
  too_few_choices: 'Pick at least one option.',
  ranking_repeats_option: 'Each option can be ranked only once.',
  ranking_unknown_option: 'One of the ranked options is not in this question. Reload the page.',
  too_many_ranks: 'You ranked more options than this question allows.',
  value_required: 'Pick a value first.',
  value_not_integer: 'Pick one of the values on the scale.',
  value_out_of_scale: 'That value is not on the scale.',
  value_not_accepted: 'This question is answered by choosing options.',
  options_not_accepted: 'This question is answered with a number on the scale.',
  voter_id_required: 'This poll asks for your name or ID. Fill it in to vote.',
  voter_id_not_allowed: 'This poll does not take names. Reload the page and vote again.',
  voter_token_invalid: 'The voting pass saved on this device is not valid on this server. We cleared it: vote again.',
  idempotency_key_invalid: 'The app sent a malformed request. Reload the page and vote again.',
  idempotency_key_reused: 'This ballot was already sent with a different choice. Reload the page and vote again.',
  results_hidden: 'The results of this poll are not public yet.',
  authentication_required: 'Log in to do this.',
  invalid_credentials: 'That email and password do not match an account.',
  api_key_invalid: 'That API key is not valid or was revoked.',
  login_required: 'This poll counts votes of logged-in people only. Log in, then vote.',
  trusted_caller_required: 'This poll takes votes only through its organiser’s system, not from this page.',
  csrf_token_invalid: 'Your session needs refreshing. Reload the page and try again.',
  forbidden: 'Your role in this workspace does not allow this. Ask a workspace owner.',
  insufficient_scope: 'That API key is not allowed to do this.',
  password_incorrect: 'The current password is wrong.',
  invite_code_required: 'This poll needs your invite code. Enter it to vote.',
  invite_code_invalid: 'That invite code is not valid for this poll. Check it and try again.',
  proof_of_work_required: 'Your browser needs to finish a quick check before voting. Try again.',
  proof_of_work_invalid: 'The anti-bot check expired. Try again.',
  ip_cap_reached: 'Your network has cast as many votes as this poll allows.',
  email_taken: 'An account with this email already exists. Log in instead.',
  weak_password: 'Choose a password of at least 10 characters that is not your email.',
  workspace_not_found: 'We could not find that workspace, or you are not a member.',
  invitation_not_found: 'That invitation is no longer waiting: it was answered, withdrawn or has expired.',
  member_not_found: 'That person is not a member of this workspace.',
  api_key_not_found: 'That API key does not exist or was already revoked.',
  last_owner: 'A workspace needs at least one owner. Make someone else owner first.',
  webhook_url_invalid: 'The webhook address must be a full http or https URL without a password.',
  webhook_url_not_allowed: 'The webhook address must be reachable on the public internet.',
  unknown_webhook_event: 'One of the chosen events does not exist.',
  webhook_not_found: 'This webhook no longer exists.',
  too_many_webhooks: 'This workspace has as many webhooks as allowed: delete one first.',
  receipt_not_found: 'No counted vote matches this receipt and key. Check both, exactly as your vote gave them.',
  receipt_key_required: 'Enter the receipt key your vote gave you with the receipt id.',
  poll_not_closed: 'The poll is still open: its commitment is published when it closes.',
  rate_limited: 'Many votes are coming from your network right now. Your vote was not counted yet; we will try again shortly.',
  overloaded: 'pollcast is very busy right now. Your vote was not counted yet; we are retrying.',
  too_many_connections: 'pollcast is very busy right now. Your vote was not counted yet; we are retrying.',
  too_many_streams: 'Too many live-results screens are open from your network. Close one, or wait a moment and reload.',
  shutting_down: 'The server is restarting. We are retrying.',
  store_unavailable: 'The database is briefly unavailable. We are retrying.',
  internal_error: 'Something went wrong on our side. Try again; if it keeps happening, tell the poll host.',
};

/** Codes the app itself uses for failures that never reached the API. */
export const CLIENT_MESSAGES = {
  network: 'You seem to be offline, or the server cannot be reached.',
  unexpected: 'The server gave an unexpected answer. Try again in a moment.',
} as const;

export function messageFor(code: string, status = 0): string {
  if (code in ERROR_MESSAGES) return ERROR_MESSAGES[code as ErrorCode];
  if (code in CLIENT_MESSAGES) return CLIENT_MESSAGES[code as keyof typeof CLIENT_MESSAGES];
  if (status >= 500) return 'The server had a problem answering. Try again in a moment.';
  return CLIENT_MESSAGES.unexpected;
}
