#!/usr/bin/env python3
"""DuckDB side of `candor bench usage`: runs the SQL `candor usage sql --dialect duckdb` prints
over a FOCUS file (Parquet or gzip CSV) and reports the query's wall time, its peak memory and
totals of the result, as one JSON line, so candor can compare in the same run.

Usage: usage_duckdb.py FILE QUERY.sql THREADS
"""
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
sql = open(sql_file).read()
con = duckdb.connect()
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
start = time.perf_counter()
rows = con.execute(sql).fetchall()
seconds = time.perf_counter() - start
print(json.dumps({
    "seconds": seconds,
    "peak_rss_kb": peak_rss_kb(),
    "rows": len(rows),
    "lines": int(sum(r[8] for r in rows)),
    "cost": float(sum(r[7] for r in rows)),
    "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
}))
