
/** How bad a finding is: an error fails synthesis, a warning can be acknowledged. */
export type Severity = 'error' | 'warning';

/**
 * One violation of one rule, in three parts that every message carries:
 * what is wrong (naming the value received), what is allowed, how to fix it.
 */
export interface Finding {
  /** A ByoipRuleId constant. */
  readonly ruleId: string;
  readonly severity: Severity;
  /** What is wrong, quoting the value received. A full sentence. */
  readonly problem: string;
  /** What would be accepted. A full sentence. */
  readonly allowed: string;
  /** What to do about it. A full sentence. */
  readonly fix: string;
}

/** The one-paragraph message of a finding, starting with its rule ID. */
export function formatFinding(finding: Finding): string {
  return `[${finding.ruleId}] ${finding.problem} Allowed: ${finding.allowed} Fix: ${finding.fix}`;
}

const MAX_LISTED = 10;

/** Joins items for a message, naming at most ten and counting the rest. */
export function listSome(items: readonly string[]): string {
  if (items.length <= MAX_LISTED) {
    return items.join(', ');
  }
  return `${items.slice(0, MAX_LISTED).join(', ')} and ${items.length - MAX_LISTED} more`;
}
