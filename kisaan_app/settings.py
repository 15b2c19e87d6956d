"""Every setting Kisaansay reads, in one place (documented in README.md and .env.example)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-only-insecure-secret-change-me-0123456789"


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out postgres:// or postgresql:// URLs; SQLAlchemy 2.1 would then pick
    psycopg 3, which is not installed. psycopg2 is the driver we pin."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def is_bare_origin(url: str) -> bool:
    """scheme://host[:port] and nothing more: what a browser sends as Origin."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.path.strip("/")
        and not (parts.query or parts.fragment or parts.username)
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KISAAN_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "prod"] = Field(
        "dev", description="dev | test | prod. prod refuses default secrets and sets Secure cookies."
    )
    port: int = 3000
    host: str | None = None  # the address serve binds; unset: 127.0.0.1, in prod 0.0.0.0 (see bind_host)
    api_docs: bool | None = None  # /api/docs and /api/openapi.json; unset: on in dev and test, off in prod
    body_max_bytes: int = Field(65536, ge=1024)  # request bodies without a route limit (api/edge/limits.py)
    public_url: str = "http://localhost:3000"
    # More origins people open the app at (comma-separated, e.g. "https://www.kisaansay.in"): with the public
    # URL, the only origins allowed in prod for the state socket and cookie writes (api/edge/origins.py).
    extra_origins: str = ""
    database_url: str = Field(
        f"sqlite:///{PROJECT_ROOT / 'data' / 'kisaansay.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "KISAAN_DATABASE_URL"),
    )
    redis_url: str | None = Field(None, validation_alias=AliasChoices("REDIS_URL", "KISAAN_REDIS_URL"))
    # Names in Redis (the live-event channel, the job queue, rate-limit counters) start with this, so several
    # deployments (or test runs) can share one Redis server without hearing each other.
    redis_prefix: str = Field("kisaansay", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    secret_key: str = DEFAULT_SECRET
    jwt_ttl_minutes: int = 60 * 24 * 7
    trusted_proxy_hops: int = 0
    login_rate_per_account: str = "5/15 minutes"
    login_rate_per_ip: str = "20/15 minutes"
    # Abuse limits (the `limits` syntax). Login budgets count failed attempts only, taken before the password check.
    register_rate_per_ip: str = "30/hour"  # sign-ups from one address (an FPO camp signs many up at once)
    register_rate_per_phone: str = "3/hour"
    password_reset_rate_per_phone: str = "3/hour"  # reset codes sent to one number
    password_reset_rate_per_ip: str = "10/hour"  # reset codes asked for from one address
    password_reset_confirm_rate_per_ip: str = "20/15 minutes"  # code entries from one address
    notify_send_rate_per_sender: str = "60/minute"  # API sends to named people (sms/email send, email/template)
    campaign_rate_per_sender: str = "20/hour"  # bulk sends and campaigns started by one admin or org admin
    report_export_rate_per_user: str = "30/hour"  # CSV/XLSX report downloads by one account (each is a big read)
    sse_connect_rate_per_user: str = "30/minute"  # SSE stream opens by one account
    document_rate_per_user: str = "30/minute"  # PDF statements and receipts drawn for one account
    sse_max_streams_per_user: int = Field(5, ge=1)  # SSE streams one account may hold open at once
    sensor_reading_rate_per_device: str = "60/minute"  # readings one sensor may post
    sensor_reading_rate_per_farmer: str = "600/minute"  # readings all of one farmer's sensors may post together
    crop_report_rate_per_farmer: str = "10/hour"  # crop problems one farmer may report (each SMSes the helpers)
    password_reset_code_minutes: int = Field(10, ge=1)  # an SMS reset code expires after this
    password_reset_max_attempts: int = Field(5, ge=1)  # wrong entries before a code is dead
    default_language: str = "en"
    huey_path: Path = PROJECT_ROOT / "data" / "huey.db"
    demo_price_ticks: bool = True
    agmarknet_api_key: str | None = None
    agmarknet_base_url: str = "https://api.data.gov.in"
    agmarknet_states: str = ""  # comma-separated state names to pull; empty pulls all of India
    # Razorpay: without keys the SDK talks to the local stand-in (top-level sandbox/) on sandbox_port.
    razorpay_key_id: str | None = None
    razorpay_key_secret: str | None = None
    razorpay_webhook_secret: str | None = None
    razorpay_base_url: str = "https://api.razorpay.com"
    sandbox_port: int = 8790
    sandbox_public_url: str = "http://localhost:8790"  # where a browser opens the sandbox checkout
    sandbox_smtp_port: int = 8825  # the SMTP stand-in, beside the sandbox
    payment_rate_per_user: str = "5/5 minutes"
    payment_rate_per_ip: str = "5/5 minutes"
    plan_monthly_paise: int = 9900
    plan_yearly_paise: int = 99900
    upi_vpa: str = "kisaansay.sandbox@razorpay"  # the merchant VPA a UPI QR pays into
    payment_link_expiry_hours: int = 48
    upi_qr_expiry_minutes: int = 30
    reconcile_after_minutes: int = 3  # pending payments older than this are checked with Razorpay
    order_hold_minutes: int = 60  # an unpaid marketplace order gives its quantity back after this
    max_unpaid_orders_per_buyer: int = Field(5, ge=1)  # more unpaid orders at once are refused (hoarding)
    bid_expiry_hours: int = Field(72, ge=1)  # an offer not taken up by then can no longer be accepted
    # Reminders (services/market/reminders.py, every five minutes): the side whose turn it is hears once that an
    # offer lapses within this many hours; a buyer once that an unpaid order is released within these minutes.
    bid_reminder_hours: int = Field(12, ge=1)
    order_unpaid_reminder_minutes: int = Field(20, ge=1)
    # A crop-health case nobody acknowledged this long is escalated to the FPO's admins by SMS (services/crop_cases).
    crop_case_escalate_hours: int = Field(24, ge=1, le=24 * 14)
    # Member imports from CSV (services/onboarding): the largest file and the most rows an FPO admin may upload.
    member_import_max_bytes: int = Field(2_000_000, ge=1024, le=20_000_000)
    member_import_max_rows: int = Field(5000, ge=1, le=50_000)
    dispatch_undo_minutes: int = Field(10, ge=0, le=1440)  # a seller may take back "dispatched" this long after
    photo_max_mb: int = Field(15, ge=1, le=40)  # a listing photo as large as a phone camera makes; shrunk on arrival
    webhook_max_bytes: int = Field(65536, ge=1024)  # larger provider webhook bodies are refused unread
    # Money to farmers (Razorpay Route): the platform's cut in basis points (200 = 2 %), taken from each sale;
    # the rest goes to the seller's linked account on hold, released on delivery or after the dispute window.
    platform_fee_bps: int = Field(200, ge=0, le=2000)
    # Where PDF statements and receipts look for their fonts (Debian's fonts-lohit-* and fonts-dejavu-core); a
    # colon-separated list searched in order, each folder recursively by file name.
    pdf_font_dirs: str = "/usr/share/fonts/truetype:/usr/share/fonts/opentype:/usr/local/share/fonts"
    payout_dispute_window_hours: int = Field(72, ge=0)
    # Notifications: without credentials each channel talks to its local stand-in (top-level sandbox/).
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str = "+15005550006"  # an E.164 sender, or a Messaging Service SID (MG...)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    email_from: str = "Kisaansay <no-reply@kisaansay.test>"
    vapid_private_key: str | None = None  # base64url raw P-256 scalar; unset: generated once, kept in the DB
    vapid_public_key: str | None = None
    vapid_subject: str = "mailto:ops@kisaansay.test"
    push_ttl_seconds: int = 24 * 3600  # how long a push service keeps a message for an offline device
    # Hosts a Web Push endpoint may name (comma-separated; "*." covers subdomains): FCM, Mozilla, Apple, Windows.
    push_service_hosts: str = (
        "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.services.mozilla.com,*.push.apple.com,"
        "*.notify.windows.com"
    )
    # SMS commands (inbound SMS webhook): replies one number may get per window; the rest are recorded unanswered.
    sms_command_rate_per_number: str = "5/10 minutes"
    escalate_after_minutes: int = 15  # an unread critical alert goes out again by SMS after this
    sms_rate: str = "20/second"  # per-provider send limits (the `limits` syntax), shared through Redis if set
    email_rate: str = "20/second"
    push_rate: str = "50/second"
    send_max_attempts: int = 5  # transient failures retry with exponential backoff up to this many attempts
    send_retry_base_seconds: float = 30.0
    # A worker that claims a delivery holds it this long; if it dies mid-send, the sweeper retries it after.
    delivery_lease_seconds: float = Field(300.0, gt=0)
    provider_timeout_seconds: float = Field(10.0, gt=0)  # one SMS/email/push call gives up after this
    # Voice (kisaan_app/services/voice): spoken alerts and prices, voice commands, translated notes.
    voice_tts_engine: Literal["espeak", "bhashini"] = "espeak"  # espeak: espeak-ng + opusenc on this machine
    voice_cache_dir: Path = PROJECT_ROOT / "data" / "voice"  # rendered audio (Opus) and translations, by hash
    voice_cache_max_mb: int = Field(200, ge=1)  # past this the least recently heard files go
    voice_bitrate_kbps: int = Field(16, ge=6, le=64)  # Opus bitrate: 16 kbit/s plays on 2G
    voice_speech_rate_per_user: str = "30/minute"  # "Listen" asks one account may make (a render costs CPU)
    voice_command_rate_per_user: str = "20/minute"  # spoken or typed commands one account may send
    voice_translate_rate_per_user: str = "30/minute"  # note translations one account may ask for
    voice_command_max_kb: int = Field(256, ge=8, le=2048)  # a recorded command larger than this is refused
    voice_command_max_seconds: int = Field(8, ge=1, le=30)  # and one longer than this (where the format says)
    # BHASHINI (ASR, translation, TTS). Without a user id and key the local stand-in answers (not in prod).
    bhashini_user_id: str | None = None
    bhashini_api_key: str | None = None
    bhashini_config_url: str = "https://meity-auth.ulcacontrib.org/ulca/apis/v0/model/getModelsPipeline"
    bhashini_pipeline_id: str = "64392f96daac500b55c543cd"
    bhashini_timeout_seconds: float = Field(15.0, gt=0)
    # Health and backups (operations).
    worker_heartbeat_max_age_seconds: int = Field(180, ge=10)  # older (or none): /api/health says the worker is down
    health_timeout_seconds: float = Field(2.0, gt=0)  # a check slower than this reports "down" (a dead Redis)
    backup_dir: Path = PROJECT_ROOT / "data" / "backups"
    backup_keep: int = Field(7, ge=0)  # nightly backups kept (newest first); 0 turns the nightly backup off
    backup_hour_utc: int = Field(21, ge=0, le=23)  # the nightly backup runs at HH:30 UTC (21:30 = 03:00 IST)
    # Observability (kisaan_app/observability). Each is off until set.
    otlp_endpoint: str | None = None  # OTLP/HTTP collector base URL (http://otel-collector:4318): traces go there
    metrics_token: str | None = None  # GET /metrics answers only with "Authorization: Bearer <this>"; unset: 404
    alert_webhook_token: str | None = None  # Alertmanager's webhook to POST /api/ops/alerts sends this as Bearer
    log_format: Literal["text", "json"] | None = None  # unset: json in prod; elsewhere logging is left as it is
    log_level: str = "INFO"
    sentry_dsn: str | None = None  # a Sentry-protocol DSN (Sentry, GlitchTip): unhandled errors are reported
    # Redis outages: every Redis call waits at most this long; after N failures in a row a breaker fails fast for
    # a while, then lets one probe through (kisaan_app/breakers.py); live events wait in a bounded queue meanwhile.
    redis_timeout_seconds: float = Field(1.0, gt=0)
    redis_breaker_failures: int = Field(3, ge=1)
    redis_breaker_reset_seconds: float = Field(5.0, gt=0)
    bus_publish_queue_size: int = Field(10_000, ge=1)  # past this, the oldest waiting events go (they are stored)

    @field_validator("database_url")
    @classmethod
    def _use_installed_postgres_driver(cls, url: str) -> str:
        return normalise_database_url(url)

    @field_validator("extra_origins")
    @classmethod
    def _origins_only(cls, value: str) -> str:
        for entry in (e.strip() for e in value.split(",")):
            if entry and not is_bare_origin(entry):
                raise ValueError(f"KISAAN_EXTRA_ORIGINS entries must look like https://app.example.in (got {entry!r})")
        return value

    @field_validator("env", mode="before")
    @classmethod
    def _known_env(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() not in ("dev", "test", "prod"):
            raise ValueError(f"KISAAN_ENV must be dev, test or prod (got {value!r}); refusing to start")
        return value.strip().lower() if isinstance(value, str) else value

    # Fail closed in production. The rule is about prod only, by choice: the test suite and the benches run
    # with KISAAN_ENV=test against the provider sandbox on purpose, so "outside dev" would forbid the very
    # thing they test. prod refuses a default secret, the sandbox for any provider (Razorpay, SMS, email:
    # Web Push needs no credentials), and demo logins (seed-demo refuses; serve refuses a database that has them).
    @model_validator(mode="after")
    def _refuse_default_secret_in_prod(self) -> "Settings":
        if self.env == "prod" and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32):
            raise ValueError("KISAAN_SECRET_KEY must be set to a random value of 32+ characters in production")
        if self.env == "prod" and not (
            self.razorpay_key_id and self.razorpay_key_secret and self.razorpay_webhook_secret
        ):
            raise ValueError(
                "KISAAN_RAZORPAY_KEY_ID, KISAAN_RAZORPAY_KEY_SECRET and KISAAN_RAZORPAY_WEBHOOK_SECRET must be set "
                "in production (without them payments go to the local test sandbox)"
            )
        if self.env == "prod" and (self.sms_sandbox or not self.twilio_auth_token):
            raise ValueError(
                "KISAAN_TWILIO_ACCOUNT_SID and KISAAN_TWILIO_AUTH_TOKEN must be set in production "
                "(without them SMS go to the local test sandbox)"
            )
        if self.env == "prod" and self.email_sandbox:
            raise ValueError("KISAAN_SMTP_HOST must be set in production (without it email goes to the local sandbox)")
        return self

    @property
    def sms_sandbox(self) -> bool:
        return not self.twilio_account_sid

    @property
    def email_sandbox(self) -> bool:
        return not self.smtp_host

    @property
    def bhashini_sandbox(self) -> bool:
        """No BHASHINI credentials: the local stand-in answers, except in prod, where voice input and translation
        are simply off."""
        return not (self.bhashini_user_id and self.bhashini_api_key) and not self.is_prod

    @property
    def bhashini_enabled(self) -> bool:
        return bool(self.bhashini_user_id and self.bhashini_api_key) or self.bhashini_sandbox

    @property
    def payments_sandbox(self) -> bool:
        """True when no Razorpay keys are set: payments run against the local stand-in, in test mode."""
        return not self.razorpay_key_id

    @property
    def extra_origin_list(self) -> tuple[str, ...]:
        return tuple(e.strip() for e in self.extra_origins.split(",") if e.strip())

    @property
    def page_api_url(self) -> str:
        """The backend URL compiled into the pages. Outside prod its host is "localhost", which Reflex's frontend
        replaces by whatever host the page was opened at (127.0.0.1, a LAN address): the state socket then goes
        back to the address the farmer used. In prod it is the public URL."""
        if self.is_prod:
            return self.public_url
        parts = urlsplit(self.public_url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://localhost{port}"

    @property
    def push_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip().lower() for h in self.push_service_hosts.split(",") if h.strip())

    @property
    def push_sandbox(self) -> bool:
        """The Web Push stand-in runs beside the app (it starts whenever some provider is sandboxed), never in
        prod: only then may a push endpoint be the stand-in's own http://127.0.0.1 address."""
        return not self.is_prod and self.needs_sandbox

    @property
    def needs_sandbox(self) -> bool:
        """Some provider has no credentials, so its local stand-in must run beside the app."""
        return self.payments_sandbox or self.sms_sandbox or self.email_sandbox or self.bhashini_sandbox

    @property
    def is_prod(self) -> bool:
        return self.env == "prod"

    @property
    def bind_host(self) -> str:
        """Where serve listens: loopback unless told otherwise, except in prod (a container's 0.0.0.0)."""
        return self.host or ("0.0.0.0" if self.is_prod else "127.0.0.1")

    @property
    def log_format_in_use(self) -> str:
        return self.log_format or ("json" if self.is_prod else "text")

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else not self.is_prod


@lru_cache
def get_settings() -> Settings:
    return Settings()
