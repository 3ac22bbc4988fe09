"""Errors users may see. Each message is safe to show: no paths outside the upload, no secrets."""


class ReportBotError(Exception):
    """Base of the errors whose message is meant for the user."""


class UnreadableFile(ReportBotError):
    """The file could not be read as a report (empty, binary, corrupt, unsupported, too large)."""


class ReportNotFound(ReportBotError):
    """No indexed report matches what was named."""


class EmbedderMismatch(ReportBotError):
    """The index was built by another embedder; vectors of two models must not be mixed."""


class ConfigurationError(ReportBotError):
    """A setting is missing or inconsistent, or an optional extra is not installed."""


class DataDirInUse(ReportBotError):
    """Another process holds the embedded data folder (its vectors can be open in one process at a time)."""
