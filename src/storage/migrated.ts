/**
 * Brings a freshly opened store's schema up to date and hands it over, closing it when the migration fails, so no
 * opener leaks a connection on a bad database.
 */
export async function migrated<T extends { migrate(): Promise<void>; close(): Promise<void> }>(store: T): Promise<T> {
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
