"""Settings, read and validated in one place from the environment (and a .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.engine import database_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = None
    bot_data_dir: Path = Path("data")

    @property
    def sqlalchemy_url(self) -> str:
        return database_url(self.database_url, self.bot_data_dir)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
