#!/usr/bin/env python3
"""DuckDB side of `candor bench usage`: runs the SQL `candor usage sql --dialect duckdb` prints
over a FOCUS file (Parquet or gzip CSV) and reports the query's wall time, its peak memory and
totals of the result, as one JSON line, so candor can compare in the same run. With a fourth
argument, a DuckDB database file (made anew), the result is stored there (`CREATE TABLE usage AS`,
then the database closed, all timed) as `candor usage ingest` stores its aggregate; the totals
are then read back from the stored table, untimed.

Usage: usage_duckdb.py FILE QUERY.sql THREADS [STORE.duckdb]
"""
import os
import json
import sys
import time

import duckdb


def peak_rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


path, sql_file, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = sys.argv[4] if len(sys.argv) > 4 else None
sql = open(sql_file).read()
if store:
    for old in (store, store + ".wal"):
        if os.path.exists(old):
            os.remove(old)
start = time.perf_counter()
con = duckdb.connect(store or ":memory:")
con.execute("SET TimeZone = 'UTC'")
if threads > 0:
    con.execute(f"SET threads = {threads}")
quoted = path.replace("'", "''")
if path.endswith(".parquet"):
    con.execute(f"CREATE VIEW focus AS SELECT * FROM read_parquet('{quoted}')")
else:
    con.execute(f"CREATE VIEW focus AS SELECT * FROM read_csv('{quoted}', header=true, nullstr='NULL')")
# Peak memory of the query alone: reset the high-water mark (Linux) before it starts.
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
if store:
    con.execute(f"CREATE TABLE usage AS {sql}")
    con.close()
    seconds = time.perf_counter() - start
    peak = peak_rss_kb()
    con = duckdb.connect(store, read_only=True)
    n, lines, cost = con.execute("SELECT count(*), sum(lines), sum(cost) FROM usage").fetchone()
    stored_bytes = os.path.getsize(store)
else:
    start = time.perf_counter()
    rows = con.execute(sql).fetchall()
    seconds = time.perf_counter() - start
    peak = peak_rss_kb()
    n, lines, cost = len(rows), sum(r[8] for r in rows), sum(r[7] for r in rows)
    stored_bytes = 0
print(json.dumps({
    "seconds": seconds,
    "peak_rss_kb": peak,
    "rows": n,
    "lines": int(lines),
    "cost": float(cost),
    "stored_bytes": stored_bytes,
    "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
}))
