import { MemoryAlertStore } from '../../src/storage/memory/memory-alert-store.js';
import { alertStoreSuite } from './alert-store.suite.js';

alertStoreSuite('memory', async (clock) => new MemoryAlertStore({ clock }));
