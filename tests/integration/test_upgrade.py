"""An upgrade's bad input: kioskd started over a store from an older schema
whose migration fails. The store must be left byte for byte as it was
(the old kioskd, reinstalled, carries on with it), kioskd must stay up,
out of service, saying why in its status and its log, and the package's
copy (kiosk.db.before-upgrade) is then only a second line of defence.

The failing migration is real, not a hook: the database claims the schema
before the newest (PRAGMA user_version one lower) while already holding
the newest migration's tables or columns, so that migration's first
statement fails inside its transaction, as a half-done manual repair or a
mistaken restore would make it fail on a kiosk."""

import hashlib
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failure, Kiosk, Tap, check, wait_until  # noqa: E402


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def with_kiosk(fn):
    def run():
        k = Kiosk()
        try:
            return fn(k)
        except Failure:
            print("#   kioskd log:\n" + "\n".join(
                "#     " + line for line in k.log().splitlines()[-20:]))
            raise
        finally:
            k.cleanup()
    run.__name__ = fn.__name__
    return run


def old_store(k):
    """A store with history, then marked one schema older; returns its version."""
    k.start()
    k.ctl("restock", "7", check_rc=0)
    w = k.watch()
    try:
        k.tap("04a1b2c3d4e5f6")
        w.feedback()
    finally:
        w.close()
    check(k.stop() == 0, "kioskd did not stop cleanly")
    db = sqlite3.connect(k.db)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    db.execute("PRAGMA user_version = %d" % (version - 1))
    db.commit()
    # Fold the WAL into the file, so the file alone is the whole database.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(k.db + suffix) and os.path.getsize(k.db + suffix) == 0:
            os.unlink(k.db + suffix)
    return version


def failed_migration_leaves_store_untouched(k):
    version = old_store(k)
    before = digest(k.db)
    check(not os.path.exists(k.db + "-wal"), "a WAL file was left beside the store")
    k.start(wait=False)
    # kioskd stays up and says why: out of service, the migration named.
    wait_until(lambda: "migrating schema %d to %d failed" % (version - 1, version) in k.log(),
               10, "the failed migration in the log")
    st = k.status()
    text = str(st)
    check("migrating schema" in text and "unchanged" in text,
          "status does not say the migration failed: %s" % text[:400])
    # A tap is answered "out of service", and nothing is written.
    w = k.watch()
    try:
        k.tap("04a1b2c3d4e5f6")
        fb = w.feedback()
        check(fb.get("screen") != "granted" and fb.get("result") != "granted",
              "a set was handed out with the store unavailable: %s" % fb)
    finally:
        w.close()
    check(k.proc.poll() is None, "kioskd exited")
    check(k.stop() == 0, "kioskd did not stop cleanly")
    check(digest(k.db) == before, "the store changed after a failed migration")
    db = sqlite3.connect("file:%s?mode=ro" % k.db, uri=True)
    check(db.execute("PRAGMA user_version").fetchone()[0] == version - 1,
          "the schema version changed")
    db.close()
    return "store byte-identical (sha256 %s...) at schema %d" % (before[:12], version - 1)


def retries_leave_store_untouched(k):
    # kioskd retries an unavailable store at each tap (and every 10 s): a
    # retry over the same failing migration must not change the file either.
    old_store(k)
    before = digest(k.db)
    k.start(wait=False)
    wait_until(lambda: "migrating schema" in k.log(), 10, "the failed migration")
    w = k.watch()
    try:
        for uid in ("04a1b2c3d4e5f6", "04111111111111", "04222222222222"):
            k.tap(uid)
            w.feedback()
    finally:
        w.close()
    check(k.stop() == 0, "kioskd did not stop cleanly")
    check(digest(k.db) == before, "the store changed after a retried migration")


def main():
    t = Tap()
    t.run("a failed migration leaves the old store byte-identical; kioskd out of service",
          with_kiosk(failed_migration_leaves_store_untouched))
    t.run("retries at each tap do not change it either", with_kiosk(retries_leave_store_untouched))
    t.done()


if __name__ == "__main__":
    main()
