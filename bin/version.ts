import pkg from '../package.json';

/** The release this CLI belongs to (package.json's semver); CHANGELOG.md says what each one changed. */
export const VERSION: string = pkg.version;
