/** The API's shapes as the app reads them (see GET /v1/openapi.json). */
export type PollStatus = 'draft' | 'open' | 'closed';
export type ResultsVisibility = 'live' | 'after_close' | 'owner_only';
export type IdentityMode = 'device' | 'account' | 'invite' | 'open';
export type PollAccess = 'link' | 'workspace';

export type PollKind = 'single' | 'multiple' | 'ranked' | 'rating' | 'nps' | 'text' | 'quiz';

export interface Poll {
  id: string;
  question: string;
  options: Array<{ id: string; text: string }>;
  kind: PollKind;
  maxChoices: number;
  /** Ranked: how many options a voter may rank. */
  maxRank?: number;
  /** Rating and nps: the scale (nps: 0–10). */
  scale?: { min: number; max: number; labels?: string[] };
  /** Text: the longest answer, answers per voter, moderation. */
  text?: { maxLength: number; maxAnswers: number; moderation: 'post' | 'pre'; profanityFilter: boolean };
  /** Quiz: the time limit and points; the correct options only once the question has closed. */
  quiz?: { timeLimitSec: number; maxPoints: number; minPoints: number; correctOptionIds?: string[] };
  status: PollStatus;
  opensAt: string | null;
  closesAt: string | null;
  resultsVisibility: ResultsVisibility;
  identityMode: IdentityMode;
  allowChange: boolean;
  /** The workspace that owns the poll (managed with a session); null for a quick poll (owner token). */
  workspaceId: string | null;
  access: PollAccess;
  ipCap: number | null;
  /** Leading zero bits of proof of work a device vote must carry; 0: none. */
  powDifficulty: number;
  createdAt: string;
  updatedAt: string;
}

export interface Results {
  pollId: string;
  version: number;
  status: PollStatus;
  total: number;
  options: Array<{ id: string; votes: number }>;
  updatedAt: string;
  irv?: { rounds: Array<{ counts: Record<string, number>; eliminated: string[]; exhausted: number }>; winner: string | null };
  borda?: Record<string, number>;
  histogram?: Array<{ value: number; votes: number }>;
  mean?: number | null;
  median?: number | null;
  score?: number | null;
  promoters?: number;
  passives?: number;
  detractors?: number;
  /** Text: the top words of shown answers. */
  words?: Array<{ word: string; count: number }>;
  answers?: number;
  /** Quiz: once closed. */
  correctOptionIds?: string[];
}

/** A text answer in the manager's feed. */
export interface TextAnswer {
  answerId: string;
  text: string;
  state: 'shown' | 'pending' | 'hidden';
  approved: boolean;
  hidden: boolean;
  at: string;
}

export interface LeaderboardEntry {
  nickname: string;
  score: number;
  rank: number;
  correct: number;
  answered: number;
}

export interface QaSettings {
  enabled: boolean;
  names: 'optional' | 'required' | 'off';
  moderation: 'post' | 'pre';
}

/** A question from the audience (GET /v1/events/{id}/questions-from-audience, and the event stream). */
export interface AudienceQuestion {
  id: string;
  /** Plain text: always rendered as text, never as markup. */
  text: string;
  name: string | null;
  state: 'pending' | 'visible' | 'hidden';
  pinned: boolean;
  answered: boolean;
  upvotes: number;
  createdAt: string;
}

export interface QaLive {
  version: number;
  settings: QaSettings;
  counts: { pending: number; visible: number; hidden: number };
  questions: AudienceQuestion[];
}

export interface QaList {
  questions: AudienceQuestion[];
  upvoted: string[];
  counts: { pending: number; visible: number; hidden: number };
  settings: QaSettings;
}

export interface LiveEvent {
  id: string;
  code: string;
  title: string;
  currentQuestionId: string | null;
  resultsShown: boolean;
  questions: Poll[];
  qa: QaSettings;
}

/** One frame of GET /v1/events/{id}/stream. */
export interface EventFrame {
  eventId: string;
  code: string;
  title: string;
  questionIds: string[];
  currentQuestionId: string | null;
  position: number;
  question: Poll | null;
  status: PollStatus | null;
  resultsShown: boolean;
  answers: number;
  results: Results | null;
  audience: number;
  /** The visible audience questions (top and newest), live. */
  qa: QaLive | null;
}

export interface VoteReceipt {
  pollId: string;
  receiptId: string;
  optionIds: string[];
  value?: number;
  answerId?: string;
  text?: string;
  countedAt: string;
  changed?: boolean;
  voterToken?: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: string;
}

export type Role = 'owner' | 'editor' | 'viewer';

export interface Workspace {
  id: string;
  name: string;
  createdAt: string;
  role: Role;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
}

/** A pending invitation, as the workspace's owner sees it. */
export interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
}

/** A pending invitation, as the invitee sees it. */
export interface MyInvitation {
  id: string;
  workspace: { id: string; name: string };
  role: Role;
  expiresAt: string;
}

export type ApiKeyScope = 'polls:read' | 'polls:write' | 'votes:write';

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
