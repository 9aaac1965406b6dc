import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base';

// Two entries: `.` (portable) and `./reference` (Node-only: classifiers, disk cache).
export default defineConfig(packageConfig({ entry: ['src/index.ts', 'src/reference.ts'] }));
