"""The bot's settings: the knowledge settings plus Telegram, access and webhook (see .env.example)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from knowledge.settings import Settings


def _ids(value) -> list[int]:
    if value in (None, ""):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, (list, tuple, set)):
        return [int(v) for v in value]
    return [int(v) for v in str(value).replace(";", ",").replace(" ", ",").split(",") if v.strip()]


class BotSettings(Settings):
    telegram_bot_token: SecretStr = Field(SecretStr(""), validation_alias="TELEGRAM_BOT_TOKEN",
                                          description="Token from @BotFather.")
    telegram_base_url: str = Field("https://api.telegram.org/bot", validation_alias="TELEGRAM_BASE_URL",
                                   description="Bot API URL; the token is appended. A self-hosted server lifts the 20 MB limit.")
    telegram_base_file_url: str = Field("https://api.telegram.org/file/bot", validation_alias="TELEGRAM_BASE_FILE_URL",
                                        description="Bot API file download URL; the token is appended.")
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list, validation_alias="ADMIN_USER_IDS",
                                      description="Telegram user ids allowed to ingest, remove, see stats and export.")
    allowed_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list, validation_alias="ALLOWED_USER_IDS",
                                        description="Users served (admins always are).")
    allowed_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list, validation_alias="ALLOWED_CHAT_IDS",
                                        description="Group chats served: everyone in them may ask.")
    allow_everyone: bool = Field(False, validation_alias="ALLOW_EVERYONE",
                                 description="Serve every user and chat; a warning is logged at start-up.")
    webhook_url: str = Field("", validation_alias="WEBHOOK_URL",
                             description="Public HTTPS URL of the webhook; empty means long polling.")
    webhook_listen: str = Field("127.0.0.1", validation_alias="WEBHOOK_LISTEN", description="Address the webhook server binds.")
    webhook_port: int = Field(8443, validation_alias="WEBHOOK_PORT", description="Port the webhook server binds.")
    webhook_secret: SecretStr = Field(SecretStr(""), validation_alias="WEBHOOK_SECRET",
                                      description="Secret token Telegram sends with every webhook request.")
    telegram_proxy: SecretStr = Field(SecretStr(""), validation_alias="TELEGRAM_PROXY",
                                      description="Proxy for every Bot API call and file download: http://host:port or "
                                                  "socks5://user:pass@host:port (offices that cannot reach Telegram directly).")
    telegram_max_download_mb: int = Field(20, validation_alias="TELEGRAM_MAX_DOWNLOAD_MB",
                                          description="Largest file the Bot API lets a bot download (20 MB on Telegram's own server).")

    @field_validator("telegram_proxy")
    @classmethod
    def _proxy_url(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value().strip()
        if url and url.split("://", 1)[0].lower() not in ("http", "https", "socks5", "socks5h"):
            raise ValueError("TELEGRAM_PROXY must start with http://, https://, socks5:// or socks5h://")
        return SecretStr(url)

    @field_validator("admin_user_ids", "allowed_user_ids", "allowed_chat_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value):
        return _ids(value)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_user_ids

    def is_allowed(self, user_id: int | None, chat_id: int | None) -> bool:
        """Groups are served only when the group itself is allowed (everyone in it reads the answers);
        private chats and inline queries when the user is an admin or allowed."""
        if self.allow_everyone:
            return True
        if chat_id is not None and chat_id < 0:
            return chat_id in self.allowed_chat_ids
        return self.is_admin(user_id) or (user_id is not None and user_id in self.allowed_user_ids)
