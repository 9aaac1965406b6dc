/** Dynamic imports that turn "package or export not there yet" into a skip note instead of a crash. */
export class Missing extends Error {}

export async function need<T = any>(specifier: string, ...names: string[]): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch (e) {
    throw new Missing(`${specifier} does not load: ${(e as Error).message.split('\n')[0]}`);
  }
  const absent = names.filter((n) => mod[n] === undefined);
  if (absent.length) throw new Missing(`${specifier} does not export ${absent.join(', ')} yet`);
  return mod as T;
}
