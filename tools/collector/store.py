"""SQLite storage for the telemetry collector.

One row per reading, keyed by (device, sequence): a batch that arrives again
(the device never saw the first response) is stored once. One row per
Record call in `batches`, with the device status it carried.
"""
import sqlite3
import threading
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS readings (
    device   TEXT    NOT NULL,
    sequence INTEGER NOT NULL,
    seconds  INTEGER NOT NULL,
    nanos    INTEGER NOT NULL,
    sensor   TEXT    NOT NULL,
    value    REAL    NOT NULL,
    unit     INTEGER NOT NULL,
    received REAL    NOT NULL,
    PRIMARY KEY (device, sequence)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batches (
    id            INTEGER PRIMARY KEY,
    device        TEXT    NOT NULL,
    received      REAL    NOT NULL,
    readings      INTEGER NOT NULL,
    accepted      INTEGER NOT NULL,
    duplicates    INTEGER NOT NULL,
    first_seq     INTEGER NOT NULL,
    last_seq      INTEGER NOT NULL,
    heap_free_min INTEGER,
    heap_free     INTEGER,
    dropped       INTEGER,
    buffered      INTEGER,
    uptime_s      INTEGER,
    send_failures INTEGER,
    rejected      INTEGER,
    platform      TEXT
);
CREATE INDEX IF NOT EXISTS batches_device ON batches (device, id);
"""

STATUS_FIELDS = ("heap_free_min", "heap_free", "dropped", "buffered", "uptime_s", "send_failures", "rejected", "platform")


class Store:
    """Thread-safe (one lock) access to the collector's database."""

    def __init__(self, path):
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self):
        with self._lock:
            self._db.close()

    def record(self, device, rows, status):
        """Store a batch; returns (accepted, duplicates).

        rows: (sequence, seconds, nanos, sensor, value, unit) tuples with
        distinct sequences. status: dict with STATUS_FIELDS (or None).
        One transaction: the batch is stored whole or not at all.
        """
        now = time.time()
        status = status or {}
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                before = db.total_changes
                db.executemany(
                    "INSERT OR IGNORE INTO readings (device, sequence, seconds, nanos, sensor, value, unit, received)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(device,) + tuple(r) + (now,) for r in rows],
                )
                accepted = db.total_changes - before
                seqs = [r[0] for r in rows]
                db.execute(
                    "INSERT INTO batches (device, received, readings, accepted, duplicates, first_seq, last_seq, "
                    + ", ".join(STATUS_FIELDS)
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?"
                    + ", ?" * len(STATUS_FIELDS)
                    + ")",
                    (device, now, len(rows), accepted, len(rows) - accepted, min(seqs), max(seqs))
                    + tuple(status.get(f) for f in STATUS_FIELDS),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return accepted, len(rows) - accepted

    def next_sequence(self, device):
        with self._lock:
            row = self._db.execute("SELECT MAX(sequence) FROM readings WHERE device = ?", (device,)).fetchone()
        return (row[0] or 0) + 1

    def devices(self):
        """[(device, readings stored, last received time)]"""
        with self._lock:
            return self._db.execute(
                "SELECT device, COUNT(*), MAX(received) FROM readings GROUP BY device ORDER BY device"
            ).fetchall()

    def readings(self, device, sensor=None, limit=500):
        """The newest `limit` readings of a device, oldest first:
        [(sequence, seconds, nanos, sensor, value, unit)]"""
        q = "SELECT sequence, seconds, nanos, sensor, value, unit FROM readings WHERE device = ?"
        args = [device]
        if sensor:
            q += " AND sensor = ?"
            args.append(sensor)
        q += " ORDER BY sequence DESC LIMIT ?"
        args.append(int(limit))
        with self._lock:
            rows = self._db.execute(q, args).fetchall()
        rows.reverse()
        return rows

    def sequences(self, device):
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT sequence FROM readings WHERE device = ? ORDER BY sequence", (device,))]

    def last_status(self, device):
        with self._lock:
            row = self._db.execute(
                "SELECT " + ", ".join(STATUS_FIELDS) + " FROM batches WHERE device = ? ORDER BY id DESC LIMIT 1",
                (device,),
            ).fetchone()
        return dict(zip(STATUS_FIELDS, row)) if row else None

    def min_heap_free(self, device):
        """The lowest heap low-water mark the device reported, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(heap_free_min) FROM batches WHERE device = ? AND heap_free_min > 0", (device,)
            ).fetchone()
        return row[0]
