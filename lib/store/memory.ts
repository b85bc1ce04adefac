/**
 * MemoryStore: the payment store in an in-memory SQLite database of this process — the same rules and SQL as the
 * real stores, nothing durable. For tests and demos only: a crash forgets everything, and other processes see nothing.
 */
import { SqlPaymentStore } from './sql.js';
import { openSqlite, sqliteDriver } from './sqlite-driver.js';

export class MemoryStore extends SqlPaymentStore {
  constructor() {
    super(sqliteDriver(openSqlite(':memory:')));
  }
}
