export * from './rules/rule-id';
