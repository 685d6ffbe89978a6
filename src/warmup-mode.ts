/**
 * What the deployment does to the warm-up of the range's addresses.
 *
 * @see https://docs.aws.amazon.com/ses/latest/dg/dedicated-ip-warming.html
 */
export enum WarmupMode {
  /**
   * Leave warm-up to SES: no warm-up write at all. SES decides how much mail
   * each address may send while it warms up.
   */
  LEAVE_AS_IS = 'LEAVE_AS_IS',
  /**
   * Mark every address of the range as fully warmed up (warm-up percentage
   * 100), because a BYOIP range arrives with the reputation it already has.
   * Only addresses not already at 100 are written.
   */
  ALREADY_WARM = 'ALREADY_WARM',
}
