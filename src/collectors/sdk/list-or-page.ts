import { z } from 'zod';

/**
 * A vendor's list that comes bare (`[…]`) or as a page holding it under one of `keys`
 * (`{"results": […]}`): validated as the list itself, so that a bad answer names the entry and the
 * field that is wrong ("3.status: expected string"), where a union of the shapes says only
 * "Invalid input".
 */
export function listOrPage<T extends z.ZodType>(item: T, keys: readonly string[], max = 10_000) {
  return z.preprocess((value) => {
    if (Array.isArray(value) || typeof value !== 'object' || value === null) return value;
    for (const key of keys) if (Object.hasOwn(value, key)) return (value as Record<string, unknown>)[key];
    return value;
  }, z.array(item).max(max));
}
