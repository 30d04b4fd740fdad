/** The store's database file in `data_dir` (SQLite adds `-wal` and `-shm` beside it). */
export const DATABASE_FILE = 'echo.db';
