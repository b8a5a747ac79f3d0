import fc from 'fast-check';

// Property tests draw from a fixed seed so CI is reproducible; FC_SEED=<n> npm test explores others.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261123) });
