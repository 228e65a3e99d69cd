// The Debian library: mirrors, signed indexes, resolver, lock files, verified downloads, .deb unpacking.
export { DebianError, type DebianErrorReason } from './errors.js';
export { resolveMirrors, suiteBase, packageUrl, readAptSources, parseDeb822Sources, parseOneLineSources, type Mirrors, type AptSource, type ResolveMirrorsOptions } from './mirror.js';
export { loadKeyring } from './keyring.js';
export { fetchInRelease, verifyInRelease, parseReleaseText, inReleaseUrl, type InRelease, type IndexFile, type InReleaseOptions } from './inrelease.js';
export { fetchPackages, parsePackages, checkBytes, type DebPackage, type PackageIndex, type PackagesOptions } from './packages.js';
export { compareVersions, parseVersion, satisfies, type DebVersion, type Relation } from './version.js';
export { parseRelations, parseAtom, parseProvides, formatAtom, type DepAtom, type Provided } from './relations.js';
export { resolveClosure, UnsatisfiableError, ALWAYS, byCodeUnit, type ResolvedPackage, type ResolveRequest } from './resolve.js';
export { lockNode, isLockStale, renderLockFile, parseLockFile, readLockFile, lockFileSchema, lockEntrySchema, lockedPackageSchema, type LockFile, type LockEntry, type LockedPackage, type LockRequest, type LockOptions } from './lockfile.js';
export { downloadVerified, downloadAll, fileMatches, type DownloadItem, type DownloadOptions } from './download.js';
export { unpackDeb, unpackDebs, readDataTar } from './deb.js';
export { readAr, type ArMember } from './ar.js';
export { readTar, type TarEntry, type TarType } from './tar.js';
export { fetchOk, fetchBytes, type FetchOptions } from './http.js';
