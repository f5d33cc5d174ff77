"""``matchmaker db``: the database schema, upgraded as a step of its own."""

from __future__ import annotations

from matchmaker.cli.app import command_group
from matchmaker.cli.options import JsonLinesOpt
from matchmaker.cli.output import configure_logging, emit_json, handled, load_settings, stdout
from matchmaker.services.schema import upgrade_schema

db_app = command_group("db", "The database schema: upgrade it before the servers start.")


@db_app.command("upgrade")
@handled
def upgrade(as_json: JsonLinesOpt = False) -> None:
    """Bring the database schema to this release's newest revision (servers also do it on start)."""
    configure_logging()
    done = upgrade_schema(load_settings())
    if as_json:
        emit_json({"database": done.database, "before": list(done.before), "after": list(done.after)})
        return
    after = ", ".join(done.after)
    if not done.changed:
        stdout.print(
            f"The database {done.database} is at revision {after}, the newest; nothing to do.", markup=False
        )
    elif not done.before:
        stdout.print(f"Created the schema of {done.database} at revision {after}.", markup=False)
    else:
        before = ", ".join(done.before)
        stdout.print(
            f"Upgraded the database {done.database} from revision {before} to {after}.", markup=False
        )
