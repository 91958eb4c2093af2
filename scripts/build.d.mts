// Types for scripts/build.mjs (plain JavaScript so bin/freewire.js can run it without a compiler).
export declare const OUT_DIR: string;
export declare function inputFiles(root: string): string[];
export declare function sourceStamp(root: string): string;
export declare function compiledMain(root: string): string;
export declare function isFresh(root: string): boolean;
export declare function findTsc(root: string): string | undefined;
export type BuildResult = { ok: true; skipped: boolean } | { ok: false; reason: 'no-typescript' | 'failed'; output: string };
export declare function build(root: string, opts?: { ifStale?: boolean }): BuildResult;
export declare function ensureBuilt(root: string, notice?: (line: string) => void): string | undefined;
