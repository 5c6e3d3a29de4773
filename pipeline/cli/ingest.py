"""`chithi ingest`: files and folders extracted into the database."""
from __future__ import annotations

import json
import sys

from pipeline.cli import add_workers
from pipeline.cli.common import add_db
from pipeline.cli.engine import add_engine_args, executor
from pipeline.cli.output import json_safe, say
from pipeline.core.limits import add_flags


def register(sub) -> None:
    p = sub.add_parser("ingest", help="extract files and folders into the database",
                       description="Walk folders for supported files, extract them in parallel worker processes "
                       "and store each record in its own transaction. Files already stored (same sha256, same "
                       "pipeline version) are skipped; a document that fails is reported and the others go on "
                       "(exit 1 when any failed).")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files and folders")
    add_db(p)
    add_workers(p, "worker processes")
    p.add_argument("--force", action="store_true", help="re-extract files already stored")
    p.add_argument("--only-directives", action="store_true",
                   help="leave out inputs that are not directives (not_a_directive warning: a README, a guide, "
                   "a text in another language); they are always counted apart in the summary")
    p.add_argument("--no-restore", action="store_true", help="do not restore diacritics of garbled/stripped text")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    add_flags(p)
    add_engine_args(p)
    p.set_defaults(func=cmd_ingest)


def cmd_ingest(args) -> int:
    from pipeline.engine.batch import run_batch
    from pipeline.run import Options

    with executor(args, args.workers or 0, announce=not args.quiet) as ex:
        summary = run_batch(args.paths, args.db, workers=args.workers or 0, force=args.force,
                            options=Options(workers=1, restore=not args.no_restore),
                            progress=None if args.quiet else sys.stderr, only_directives=args.only_directives,
                            executor=ex)
    for line in summary.lines():
        say(f"chithi: {line}")
    if args.json:
        print(json_safe(json.dumps(summary.as_dict(), ensure_ascii=False)))
    return summary.exit_code
