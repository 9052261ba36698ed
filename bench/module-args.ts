/** Node arguments that run one of our modules: compiled (.js) as is, source (.ts) through tsx. */
export function moduleArgs(file: string): string[] {
  return file.endsWith('.ts') ? ['--import', 'tsx', file] : [file];
}
