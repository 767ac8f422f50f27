/**
 * Which side of a canary split a request lands on. With a sticky key (a user id, a session) the choice is a stable
 * hash of the key, so one user always sees one version while the weight stays; as the weight grows (5 -> 25 -> 100)
 * the users already on the canary stay there, because a key's position in [0, 100) does not depend on the weight.
 * The model name and the canary version salt the hash, so each rollout draws a fresh set of users. Without a key the
 * choice is random per request. Pure.
 */

/** A key's position in [0, 100): FNV-1a (32-bit) of `salt` and the key, scaled. */
export function stickyPosition(key: string, salt: string): number {
  let h = 0x811c9dc5;
  const s = `${salt}\u0000${key}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche (murmur3's fmix32), so keys differing in the last character spread over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) / 0x1_0000_0000) * 100;
}

/** The salt of a model's canary split: one per (model, canary version). */
export function splitSalt(model: string, canaryVersion: number): string {
  return `${model}:${canaryVersion}`;
}

/**
 * Whether a request goes to the canary of `weight` percent: by the key's position when there is a key, else by
 * `random()` (a number in [0, 1)).
 */
export function toCanary(weight: number, key: string | null, salt: string, random: () => number = Math.random): boolean {
  if (weight <= 0) return false;
  if (weight >= 100) return true;
  const position = key === null ? random() * 100 : stickyPosition(key, salt);
  return position < weight;
}
