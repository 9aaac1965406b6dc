import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base';

// shims: import.meta.url (used to resolve the optional data packages) works in the CJS build too
export default defineConfig(packageConfig({ shims: true }));
