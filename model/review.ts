/**
 * Review before release: an export whose request asks for it stops after its
 * ZIP is built (status `reviewing`); a reviewer previews the report, may
 * withhold an item or a whole group with a reason (GDPR Art. 15(4): the
 * rights and freedoms of others; legal privilege), and approves (the ZIP is
 * built again without what was withheld, saying what and why) or rejects
 * (a denial, with its grounds, model/clock.ts). The legal clock keeps
 * running throughout. No imports of ours but types: workflows load it.
 */
import type { Actor } from './audit.ts';
import type { RequestStatus } from './request.ts';

/** Whether exports are reviewed: never, when a request asks for it, or always (REVIEW). */
export const REVIEW_MODES = ['off', 'optional', 'required'] as const;
export type ReviewMode = (typeof REVIEW_MODES)[number];

/** Why data may be held back from an access answer. */
export const WITHHOLD_GROUNDS = {
  'rights-of-others': 'it would adversely affect the rights and freedoms of others (GDPR Art. 15(4))',
  'legal-privilege': 'it is covered by legal professional privilege',
  'trade-secret': 'it would disclose a trade secret or intellectual property of others (GDPR recital 63)',
} as const;
export type WithholdGround = keyof typeof WITHHOLD_GROUNDS;
export const WITHHOLD_GROUND_NAMES = Object.keys(WITHHOLD_GROUNDS) as [WithholdGround, ...WithholdGround[]];

/** One thing held back: a whole group, or one item of it. */
export interface Withholding {
  group: string;
  /** One item's `item_id`; absent: the whole group. */
  item?: string;
  ground: WithholdGround;
  /** Told to the person as given. */
  reason: string;
  by: Actor;
  at: string;
}

/** A group of the draft, as the reviewer chooses from. */
export interface DraftGroup {
  group: string;
  label: string;
  items: number;
}

export interface Review {
  /** The draft ZIP the reviewer previews (its item ids shown); never served to the person. */
  draft?: { file: string; groups: DraftGroup[]; builtAt: string };
  withheld: Withholding[];
  decision?: { decision: 'approved' | 'rejected'; by: Actor; at: string; note?: string };
}

/** The group the report's About lives in: ours, never withheld. */
const ABOUT_GROUP = 'about';

/** Why the review may not withhold this now, or undefined if it may. */
export function whyNotWithhold(status: RequestStatus, review: Review | undefined, group: string, item: string | undefined): string | undefined {
  if (status !== 'reviewing' || review?.draft === undefined) return `the request is ${status}; only an export awaiting review can be changed`;
  if (group === ABOUT_GROUP) return 'the About group says who the report is for and cannot be withheld';
  const found = review.draft.groups.find((candidate) => candidate.group === group);
  if (found === undefined) return `the export has no group "${group}"; choose one of ${review.draft.groups.map((g) => g.group).join(', ')}`;
  if (review.withheld.some((held) => held.group === group && held.item === undefined)) return `the whole group "${group}" is withheld already`;
  if (item !== undefined && review.withheld.some((held) => held.group === group && held.item === item)) return `item "${item}" is withheld already`;
  return undefined;
}

/** Why the review may not be decided now, or undefined if it may. */
export function whyNotRelease(status: RequestStatus, review: Review | undefined): string | undefined {
  if (status !== 'reviewing' || review?.draft === undefined) return `the request is ${status}; only an export awaiting review can be approved`;
  return undefined;
}
