export * from './byoip-sending-pool';
export * from './byoip-reverse-dns';
export * from './reputation-guard';
export * from './byoip-checks';
export * from './byoip-functions';
export * from './rules/rule-id';
export * from './warmup-mode';
