"""Every setting Kisaansay reads, in one place (documented in README.md and .env.example)."""

from functools import lru_cache
from pathlib import Path

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KISAAN_", env_file=".env", extra="ignore")

    env: str = Field("dev", description="dev | test | prod. prod refuses default secrets and sets Secure cookies.")
    port: int = 3000
    public_url: str = "http://localhost:3000"
    database_url: str = Field(
        f"sqlite:///{PROJECT_ROOT / 'data' / 'kisaansay.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "KISAAN_DATABASE_URL"),
    )
    redis_url: str | None = Field(None, validation_alias=AliasChoices("REDIS_URL", "KISAAN_REDIS_URL"))
    secret_key: str = DEFAULT_SECRET
    jwt_ttl_minutes: int = 60 * 24 * 7
    trusted_proxy_hops: int = 0
    login_rate_per_account: str = "5/15 minutes"
    login_rate_per_ip: str = "20/15 minutes"
    default_language: str = "en"
    huey_path: Path = PROJECT_ROOT / "data" / "huey.db"
    demo_price_ticks: bool = True
    agmarknet_api_key: str | None = None
    agmarknet_base_url: str = "https://api.data.gov.in"
    agmarknet_states: str = ""  # comma-separated state names to pull; empty pulls all of India

    @field_validator("database_url")
    @classmethod
    def _use_installed_postgres_driver(cls, url: str) -> str:
        return normalise_database_url(url)

    @model_validator(mode="after")
    def _refuse_default_secret_in_prod(self) -> "Settings":
        if self.env == "prod" and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32):
            raise ValueError("KISAAN_SECRET_KEY must be set to a random value of 32+ characters in production")
        return self

    @property
    def is_prod(self) -> bool:
        return self.env == "prod"


@lru_cache
def get_settings() -> Settings:
    return Settings()
