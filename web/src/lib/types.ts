/** The API's shapes as the app reads them (see GET /v1/openapi.json). */
export type PollStatus = 'draft' | 'open' | 'closed';
export type ResultsVisibility = 'live' | 'after_close' | 'owner_only';

export interface Poll {
  id: string;
  question: string;
  options: Array<{ id: string; text: string }>;
  kind: 'single' | 'multiple';
  maxChoices: number;
  status: PollStatus;
  opensAt: string | null;
  closesAt: string | null;
  resultsVisibility: ResultsVisibility;
  identityMode: 'device' | 'open';
  allowChange: boolean;
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
}

export interface VoteReceipt {
  pollId: string;
  receiptId: string;
  optionIds: string[];
  countedAt: string;
  changed?: boolean;
  voterToken?: string;
}
