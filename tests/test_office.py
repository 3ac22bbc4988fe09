"""Word 97 .doc, WPS .wps, .rtf and .odt are converted by LibreOffice and read like the .docx they become;
without LibreOffice, or with a broken file, the admin gets a Chinese message saying what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.errors import UnreadableFile
from knowledge.readers import ReadLimits, convert, read_file
from tests.conftest import needs_debian
from tests.helpers import REPORT_LINES, docx_bytes


@pytest.fixture(scope="module")
def soffice():
    needs_debian("libreoffice-writer-nogui", convert.soffice_path() is not None)


@pytest.mark.parametrize("suffix,target", [(".doc", "doc"), (".wps", "doc"), (".odt", "odt"), (".rtf", "rtf")])
def test_office_formats_read_as_the_docx_they_came_from(soffice, suffix, target):
    data = convert.convert(docx_bytes(), ".docx", target, 120)
    doc = read_file(Path(f"report{suffix}"), data)
    assert doc.text.splitlines() == REPORT_LINES


def test_a_corrupt_doc_gets_a_message_to_save_it_as_docx(soffice):
    with pytest.raises(UnreadableFile, match="另存为 .docx"):
        read_file(Path("broken.doc"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00garbage" * 500)


def test_without_libreoffice_the_message_names_the_package(monkeypatch):
    monkeypatch.setattr(convert, "soffice_path", lambda: None)
    with pytest.raises(UnreadableFile, match="libreoffice-writer-nogui.*另存为 .docx"):
        read_file(Path("report.doc"), b"\xd0\xcf\x11\xe0" + b"x" * 100)


def test_a_conversion_that_hangs_is_stopped(soffice, tmp_path, monkeypatch):
    hang = tmp_path / "soffice"
    hang.write_text("#!/bin/sh\nsleep 30\n")
    hang.chmod(0o755)
    monkeypatch.setattr(convert, "soffice_path", lambda: str(hang))
    with pytest.raises(UnreadableFile, match="转换超时"):
        read_file(Path("slow.doc"), b"\xd0\xcf\x11\xe0" + b"x" * 100, ReadLimits(convert_timeout_s=1))


def test_ofd_gets_a_clear_message():
    with pytest.raises(UnreadableFile, match="OFD.*PDF"):
        read_file(Path("公文.ofd"), b"PK\x03\x04 ofd")
