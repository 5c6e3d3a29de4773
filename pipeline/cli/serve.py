"""`chithi serve`: the review workbench in a browser, over one database (:mod:`pipeline.serve.app`)."""
from __future__ import annotations

import os
import sys

from pipeline.cli import int_in
from pipeline.core.errors import UsageError

EXAMPLES = """examples:
  chithi serve --db chithi.db                      # http://127.0.0.1:8765/ for you alone
  chithi serve --db chithi.db --port 0             # any free port (printed)
  CHITHI_TOKEN=s3cret chithi serve --host 0.0.0.0  # a review team on the network: writes need the token;
                                                   # each reviewer opens http://HOST:8765/?token=s3cret once"""


def register(sub) -> None:
    import argparse

    p = sub.add_parser("serve", help="the review workbench in a browser: documents, review, deadlines, search",
                       description="A local web application over the database: the documents (with the filters "
                       "of `docs`), each document's review page where accept, reject, correct and fill are saved "
                       "at once with the reviewer's name, time and note, the decision history, the deadline "
                       "timeline and search. It listens on 127.0.0.1 (this machine only) unless --host says "
                       "otherwise; on any other address it needs a token (--token or CHITHI_TOKEN), which every "
                       "write must carry. Stop it with Ctrl-C.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default=None, metavar="FILE", help="SQLite database (default: $CHITHI_DB or ./chithi.db)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int_in(0, 65535), default=8765, help="port (default: 8765; 0: any free port)")
    p.add_argument("--token", default=None, help="access token required for writes (default: $CHITHI_TOKEN); "
                   "needed on any address but 127.0.0.1")
    p.add_argument("--today", metavar="DATE", help="the date deadlines are compared with (default: today)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args) -> int:
    import socket
    from pathlib import Path

    from pipeline.cli.common import parse_date
    from pipeline.core.errors import DatabaseError
    from pipeline.serve.app import Settings, create_app, is_local, url
    from pipeline.store import DEFAULT_DB, Store

    db = Path(args.db or os.environ.get("CHITHI_DB") or DEFAULT_DB)
    token = args.token or os.environ.get("CHITHI_TOKEN") or None
    if not is_local(args.host) and not token:
        raise UsageError(f"--host {args.host}: a server other machines can reach needs an access token",
                         "give --token TOKEN (or set CHITHI_TOKEN), or leave --host at 127.0.0.1")
    if token is not None and len(token) < 8:
        raise UsageError("--token: use at least 8 characters")
    if not db.is_file():
        raise DatabaseError(f"{db}: no such database", "run `chithi ingest FOLDER --db FILE` first")
    with Store(db, create=False):  # opens (and migrates) it now: a bad file is an error before listening
        pass
    today = parse_date(args.today, "--today")
    import uvicorn

    settings = Settings(db=db, host=args.host, port=args.port, token=token, today=today)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {e.strerror}",
                         "give another --port (0: any free port)") from None
    settings.port = sock.getsockname()[1]
    app = create_app(settings)
    print(f"chithi: serving {db} on {url(args.host, settings.port)}"
          + (" (writes need the token: open /?token=… once)" if token else "") + " — Ctrl-C to stop",
          file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level="warning" if not args.debug else "info", access_log=bool(args.debug),
                            server_header=False)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return 0
