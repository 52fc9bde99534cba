// The CIB's version is the (admin_epoch, epoch, num_updates) triple kept as attributes of
// <cib>. Whenever two copies of a CIB meet (a node joining, a pushed file, a stale client)
// the larger triple wins, compared field by field from admin_epoch down — the same order
// Pacemaker uses, so a CIB that pacer writes can be handed to Pacemaker tools and back.
import type { XmlElement } from "../cib/xml.js";
import { describe } from "../cib/xml.js";

export interface CibVersion {
  adminEpoch: number;
  epoch: number;
  numUpdates: number;
}

const FIELDS = [
  ["adminEpoch", "admin_epoch"],
  ["epoch", "epoch"],
  ["numUpdates", "num_updates"],
] as const;

/** The attribute names that carry the version. */
export const VERSION_ATTRIBUTES: readonly string[] = FIELDS.map(([, attr]) => attr);

export class CibVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CibVersionError";
  }
}

/**
 * Read the version from a <cib> element. A missing attribute counts as 0 (an empty CIB
 * made by hand often omits them); a present one must be a non-negative integer, because a
 * mangled counter would make every later comparison meaningless.
 */
export function readVersion(cib: XmlElement): CibVersion {
  const version: CibVersion = { adminEpoch: 0, epoch: 0, numUpdates: 0 };
  for (const [key, attr] of FIELDS) {
    const raw = cib.attrs[attr];
    if (raw === undefined) continue;
    if (!/^\d{1,15}$/.test(raw)) {
      throw new CibVersionError(`${describe(cib)}: ${attr}="${raw}" is not a non-negative integer`);
    }
    version[key] = Number(raw);
  }
  return version;
}

/** Store the version in a <cib> element's attributes (in place). */
export function writeVersion(cib: XmlElement, version: CibVersion): void {
  for (const [key, attr] of FIELDS) cib.attrs[attr] = String(version[key]);
}

/** Negative when a is older than b, 0 when equal, positive when a is newer. */
export function compareVersions(a: CibVersion, b: CibVersion): number {
  return a.adminEpoch - b.adminEpoch || a.epoch - b.epoch || a.numUpdates - b.numUpdates;
}

/** The version after a configuration change: epoch moves on, num_updates starts over. */
export function bumpConfiguration(v: CibVersion): CibVersion {
  return { adminEpoch: v.adminEpoch, epoch: v.epoch + 1, numUpdates: 0 };
}

/** The version after a change that touched only the status section (or CIB properties). */
export function bumpStatus(v: CibVersion): CibVersion {
  return { adminEpoch: v.adminEpoch, epoch: v.epoch, numUpdates: v.numUpdates + 1 };
}

/** `admin_epoch:epoch:num_updates`, the notation Pacemaker's logs use. */
export function formatVersion(v: CibVersion): string {
  return `${v.adminEpoch}:${v.epoch}:${v.numUpdates}`;
}
