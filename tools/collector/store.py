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
    last_seq      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_device ON batches (device, id);
"""

# DeviceStatus, one column each in `batches` (NULL: the batch carried no
# status). Added to an older database's table when missing.
STATUS_COLUMNS = (
    ("dropped", "INTEGER"),
    ("buffered", "INTEGER"),
    ("uptime_s", "INTEGER"),
    ("send_failures", "INTEGER"),
    ("rejected", "INTEGER"),
    ("platform", "TEXT"),
    ("heap_free_after_gc", "INTEGER"),
    ("heap_free_after_gc_min", "INTEGER"),
    ("heap_largest_free", "INTEGER"),
    ("collections", "INTEGER"),
    ("heap_size", "INTEGER"),
)
STATUS_FIELDS = tuple(name for name, _ in STATUS_COLUMNS)


class Store:
    """Thread-safe (one lock) access to the collector's database."""

    def __init__(self, path):
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        have = {row[1] for row in self._db.execute("PRAGMA table_info(batches)")}
        for name, kind in STATUS_COLUMNS:
            if name not in have:
                self._db.execute("ALTER TABLE batches ADD COLUMN %s %s" % (name, kind))
        self._lock = threading.Lock()

    def close(self):
        with self._lock:
            self._db.close()

    def record(self, device, rows, status, received=None):
        """Store a batch; returns (accepted, duplicates).

        rows: (sequence, seconds, nanos, sensor, value, unit) tuples with
        distinct sequences. status: dict with STATUS_FIELDS (or None).
        received: when it arrived (unix seconds; default now).
        One transaction: the batch is stored whole or not at all.
        """
        now = time.time() if received is None else received
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

    def batch_totals(self, device):
        """Over all of a device's batches: {batches, duplicates, collections,
        batches_with_collections, lowest_free_after_gc}."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(duplicates), 0), SUM(collections), COUNT(collections),"
                " MIN(NULLIF(heap_free_after_gc, 0)) FROM batches WHERE device = ?",
                (device,),
            ).fetchone()
        keys = ("batches", "duplicates", "collections", "batches_with_collections", "lowest_free_after_gc")
        return dict(zip(keys, row))

    def arrivals(self, device, limit):
        """The device's newest `limit` batches, in the order they arrived:
        [(received, readings, send_failures, made)], made being the time
        (unix seconds) its first reading was made, None if unknown."""
        with self._lock:
            rows = self._db.execute(
                "SELECT b.received, b.readings, b.send_failures, r.seconds + r.nanos / 1e9"
                " FROM batches b LEFT JOIN readings r ON r.device = b.device AND r.sequence = b.first_seq"
                " WHERE b.device = ? ORDER BY b.id DESC LIMIT ?",
                (device, int(limit)),
            ).fetchall()
        rows.reverse()
        return rows

    def made_between(self, device, start_s, end_s):
        """How many of the device's readings were made in [start_s, end_s)."""
        lo, hi = int(start_s // 1), int(end_s // 1) + 1
        with self._lock:
            rows = self._db.execute(
                "SELECT seconds, nanos FROM readings WHERE device = ? AND seconds BETWEEN ? AND ?",
                (device, lo, hi),
            ).fetchall()
        return sum(1 for sec, ns in rows if start_s <= sec + ns / 1e9 < end_s)

    def readings(self, device, sensor=None, limit=500):
        """The newest `limit` readings of a device, oldest first:
        [(sequence, seconds, nanos, sensor, value, unit, received)]"""
        q = "SELECT sequence, seconds, nanos, sensor, value, unit, received FROM readings WHERE device = ?"
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
        """The status of the device's latest batch that carried one, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT " + ", ".join(STATUS_FIELDS) + " FROM batches WHERE device = ? AND platform IS NOT NULL"
                " ORDER BY id DESC LIMIT 1",
                (device,),
            ).fetchone()
        return dict(zip(STATUS_FIELDS, row)) if row else None
