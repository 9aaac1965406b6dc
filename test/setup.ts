import { initBackend } from '@steinkit/core';

// Every test file starts on one backend: STEINKIT_BACKEND if set, else wasm
// (the workhorse). Tests that compare backends switch explicitly.
await initBackend({ backend: process.env.STEINKIT_BACKEND ?? 'wasm' });
