"""Writes the SQLite source of bench/transfer.sh: `users` and `events` (events.user_id
references users.id), seeded, so that every run and every machine copies the same rows.

Usage: python3 transfer_data.py PATH USERS EVENTS [SEED]
Writes PATH.tmp and renames it to PATH when complete, so that an interrupted run leaves
no half-written file to be taken for a cached one.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import sys

_WORDS = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper",
          "kestrel", "lumen", "maple", "nova", "onyx", "pine", "quartz", "raven", "sable", "tundra"]
_KINDS = ["login", "logout", "purchase", "view", "share", "comment", "refund", "signup"]
_EPOCH_START = 1_577_836_800  # 2020-01-01T00:00:00Z
_EPOCH_SPAN = 5 * 365 * 86_400


def _users(rng: random.Random, count: int):
    for user_id in range(1, count + 1):
        name = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {user_id}"
        score = round(rng.uniform(0, 1000), 3)
        active = 1 if rng.random() < 0.8 else 0
        # About 60 bytes of JSON: an object, a nested array and a number.
        profile = json.dumps({"lang": rng.choice(["en", "de", "fr", "ja"]), "theme": rng.choice(["dark", "light"]),
                              "tags": [rng.choice(_WORDS), rng.choice(_WORDS)], "level": rng.randrange(100)},
                             separators=(",", ":"))
        created_at = _EPOCH_START + rng.randrange(_EPOCH_SPAN)
        yield user_id, name, score, active, profile, created_at


def _events(rng: random.Random, count: int, users: int):
    for event_id in range(1, count + 1):
        yield event_id, rng.randrange(1, users + 1), rng.choice(_KINDS), _EPOCH_START + rng.randrange(_EPOCH_SPAN)


def main() -> int:
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    path, users, events = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) == 5 else 20261207)
    tmp = path + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    db = sqlite3.connect(tmp)
    db.executescript("""
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        PRAGMA foreign_keys = ON;
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, active INTEGER NOT NULL,
                            profile TEXT, created_at INTEGER NOT NULL);
        CREATE TABLE events (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
                             kind TEXT NOT NULL, at INTEGER NOT NULL);
    """)
    with db:
        db.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)", _users(rng, users))
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", _events(rng, events, users))
    db.close()
    os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
