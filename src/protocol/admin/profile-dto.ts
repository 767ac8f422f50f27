import type { VersionProfile } from '../../core/profile/types.js';
import { parseTime } from '../../core/time.js';
import { iso } from './dto.js';
import { fromSnakeKeys, toSnakeKeys } from './wire-case.js';
import type { SnakeKeys } from './wire-case.js';

/**
 * Training profiles on the wire: the domain profile with snake_case keys (`missing_rate`, `unique_count`) and
 * `created_at` as ISO-8601, like every time the admin API shows.
 */

/** A training profile as the admin API shows and takes it. */
export type VersionProfileDto = Omit<SnakeKeys<VersionProfile>, 'created_at'> & { created_at: string };

/** What `GET .../versions/{v}/profile` answers: which version the reference resolved to, and its profile. */
export interface VersionProfileAnswerDto {
  name: string;
  version: number;
  /** Null when the version was registered without a profile. */
  profile: VersionProfileDto | null;
}

/** Maps a profile to its DTO. */
export function profileDto(p: VersionProfile): VersionProfileDto {
  return { ...toSnakeKeys(p), created_at: iso(p.createdAt) };
}

/**
 * A wire profile as the domain's VersionProfile. `created_at` may be ISO-8601 or epoch ms. The cast names what the
 * registry service checks in full (VersionProfileSchema) before anything is stored.
 */
export function profileFromDto(dto: unknown): VersionProfile {
  const camel = fromSnakeKeys(dto, 'profile');
  if (typeof camel === 'object' && camel !== null && !Array.isArray(camel)) {
    const created = (camel as { createdAt?: unknown }).createdAt;
    if (typeof created === 'string' || typeof created === 'number') {
      return { ...(camel as VersionProfile), createdAt: parseTime(created, 'profile.created_at') };
    }
  }
  return camel as VersionProfile;
}
