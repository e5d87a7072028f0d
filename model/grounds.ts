/**
 * Why a legal clock may stop, and why a request may be refused. Plain data
 * without imports: the workflows' update validators check against it.
 */

/** Why a clock may stop: a clarification the request needs, or the person's identity still to be confirmed. */
export const PAUSE_GROUNDS = ['clarification', 'identity'] as const;
export type PauseGround = (typeof PAUSE_GROUNDS)[number];

/** Why a request may be refused. */
export const DENIAL_GROUNDS = {
  'manifestly-unfounded': 'the request is manifestly unfounded',
  excessive: 'the request is manifestly excessive, in particular because it repeats earlier requests',
  'identity-not-verified': 'we could not verify that the request comes from the person whose data it concerns',
  exemption: 'a legal exemption applies',
} as const;
export type DenialGround = keyof typeof DENIAL_GROUNDS;
export const DENIAL_GROUND_NAMES = Object.keys(DENIAL_GROUNDS) as [DenialGround, ...DenialGround[]];
