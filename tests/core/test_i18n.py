from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from fourflow.core.i18n import catalog, negotiate_language, parse_language, translate
from fourflow.core.settings import PROJECT_ROOT


@pytest.mark.parametrize(("header", "expected"), [
    (None, "en"), ("", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"), ("en-GB,en;q=0.9", "en"),
    ("fr-FR,zh-Hans;q=0.5", "zh_Hans"), ("de, en;q=0.1", "en"), ("zh-TW", "en"),
    ("en;q=0.2, zh-SG;q=0.8", "zh_Hans"),
])
def test_negotiates_accept_language(header: str | None, expected: str) -> None:
    assert negotiate_language(header) == expected


def test_parse_language_accepts_common_tags() -> None:
    assert [parse_language(t) for t in ("zh_Hans", "zh-hans", "ZH-cn", "en-US", "ja", None)] == [
        "zh_Hans", "zh_Hans", "zh_Hans", "en", None, None]


def test_translates_with_parameters() -> None:
    assert translate("The request body is larger than {limit} bytes.", "zh_Hans", limit=10) == \
        "请求内容超过 10 字节。"
    assert translate("The request body is larger than {limit} bytes.", "en", limit=10) == \
        "The request body is larger than 10 bytes."


def _extracted_messages() -> set[str]:
    source = PROJECT_ROOT / "src"
    method_map = [("**.py", "python"), ("fourflow/web/templates/**.html", "jinja2")]
    found: set[str] = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(source), method_map=method_map, keywords={"_": None, "N_": None, "translate": None},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_user_facing_string_has_a_chinese_translation() -> None:
    chinese = catalog("zh_Hans")
    messages = _extracted_messages()
    assert len(messages) > 120
    missing = sorted(m for m in messages if not chinese.get(m))
    assert missing == [], f"untranslated into zh_Hans: {missing[:20]}"


def test_chinese_translations_keep_their_placeholders() -> None:
    import re

    for message, translated in catalog("zh_Hans").items():
        assert set(re.findall(r"\{\w+\}", message)) == set(re.findall(r"\{\w+\}", translated)), message


def test_catalog_file_exists() -> None:
    assert Path(PROJECT_ROOT / "src/fourflow/core/locales/zh_Hans/LC_MESSAGES/messages.po").exists()
