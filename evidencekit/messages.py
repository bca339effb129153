"""What evidencekit says to its user (errors, warnings, hints, summaries), in zh-CN and en.

One typed catalogue, like the dossier's labels in i18n.py, rather than gettext: nothing to compile
at build or install time, and tests read every call site to check that each id exists, has both
languages and the same parameters in both. A message is a `str` holding its English text (so
logs, evidence.json and code that compares or joins messages keep working) that also knows its id
and parameters, so cli.py can render it in the case's language.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from typing import Any

LANGUAGES = ("zh-CN", "en")


class Text(str):
    """English text that can also be rendered in the case's language."""

    def render(self, lang: str) -> str:
        """This text in lang (zh-CN or en)."""
        return str.__str__(self)

    def __add__(self, other: str) -> Text:
        return Concat((self, other))

    def __radd__(self, other: str) -> Text:
        return Concat((other, self))


class Msg(Text):
    """A catalogue message: an id and its parameters (parameters may be messages themselves)."""

    id: str
    params: Mapping[str, object]

    def __new__(cls, msg_id: str, /, **params: object) -> Msg:
        self = super().__new__(cls, _fill(msg_id, "en", params))
        self.id = msg_id
        self.params = params
        return self

    def render(self, lang: str) -> str:
        return _fill(self.id, lang, self.params)

    def __reduce__(self) -> tuple[Any, ...]:  # errors cross process pools
        return (_msg, (self.id, dict(self.params)))


def _msg(msg_id: str, params: dict[str, object]) -> Msg:
    return Msg(msg_id, **params)


class Concat(Text):
    """Texts joined one after another (a hint built from parts)."""

    parts: tuple[str, ...]

    def __new__(cls, parts: tuple[str, ...]) -> Concat:
        self = super().__new__(cls, "".join(str.__str__(p) for p in parts))
        self.parts = parts
        return self

    def render(self, lang: str) -> str:
        return "".join(localize(p, lang) for p in self.parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Concat, (self.parts,))


def join(parts: list[str], sep: str = "") -> str:
    """parts joined by sep, keeping each part translatable."""
    out: list[str] = []
    for k, p in enumerate(parts):
        if k and sep:
            out.append(sep)
        out.append(p)
    return Concat(tuple(out)) if any(isinstance(p, Text) for p in parts) else "".join(out)


def localize(text: object, lang: str) -> str:
    """text in lang when it is a message; other text as it is."""
    return text.render(lang) if isinstance(text, Text) else str(text)


def _fill(msg_id: str, lang: str, params: Mapping[str, object]) -> str:
    zh, en = MESSAGES[msg_id]
    template = zh if lang == "zh-CN" else en
    values = {k: localize(v, lang) if isinstance(v, Text) else v for k, v in params.items()}
    return template.format_map(values)


def fields(template: str) -> set[str]:
    """The parameter names a template uses."""
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }


def env_language(environ: Mapping[str, str] | None = None) -> str:
    """zh-CN when the user's locale is Chinese (LC_ALL, then LC_MESSAGES, then LANG), else en."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"


MESSAGES: dict[str, tuple[str, str]] = {
    # id: (zh-CN, en)
    # -- framing (cli.py, errors.py)
    "frame.warning": ("警告：{text}", "warning: {text}"),
    "frame.hint": ("提示：{text}", "hint: {text}"),
    "frame.error": ("错误：{text}", "error: {text}"),
    "frame.errors_nothing_written": (
        "{n} 个错误；未写入任何文件。",
        "{n} error(s); nothing was written.",
    ),
    # -- command line (cli.py)
    "cli.page_image_format": (
        "--page-image-format 只能是 jpeg 或 png",
        "--page-image-format must be jpeg or png",
    ),
    "cli.page_image_dpi": (
        "--page-image-dpi 须在 36 到 600 之间",
        "--page-image-dpi must be between 36 and 600",
    ),
    "cli.tsa": ("--tsa 参数：{problem}", "--tsa: {problem}"),
    "cli.unknown_profile": (
        "未知的平台配置 {name!r}；可用配置：{names}",
        "unknown profile {name!r}; profiles: {names}",
    ),
    "cli.unknown_reason": (
        "未知的争议类型 {reason!r}；可选：{names}",
        "unknown reason {reason!r}; use one of: {names}",
    ),
    "cli.wrote": ("已写入 {path}", "wrote {path}"),
    "cli.init_next": (
        "下一步：把文件放入各子文件夹，编辑 {manifest}，然后运行 `evidencekit validate {manifest}`",
        "next: put your files in the sub-folders, edit {manifest}, then "
        "`evidencekit validate {manifest}`",
    ),
    # -- summaries (build, validate, verify)
    "summary.dossier": ("卷宗", "dossier"),
    "summary.pages": ("页数", "pages"),
    "summary.size": ("大小", "size"),
    "summary.exhibits": ("证据", "exhibits"),
    "summary.exhibits_value": (
        "{exhibits} 项（{sources} 个原始文件）",
        "{exhibits} ({sources} source files)",
    ),
    "summary.time": ("用时", "time"),
    "summary.warnings": ("警告", "warnings"),
    "summary.timestamp": ("时间戳", "timestamp"),
    "summary.archive": ("归档", "archive"),
    "summary.valid": (
        "{manifest}：有效 — {exhibits} 项证据，{sources} 个原始文件，{warnings} 条警告",
        "{manifest}: valid — {exhibits} exhibits, {sources} source files, {warnings} warning(s)",
    ),
    "verify.file": ("文件", "file"),
    "verify.expected": ("记录的哈希", "expected"),
    "verify.actual": ("实际哈希", "actual"),
    "verify.status": ("状态", "status"),
    "verify.altered": ("已改动：{file}", "altered: {file}"),
    "verify.missing": ("缺失：{file}", "missing: {file}"),
    "verify.note": ("说明：{text}", "note: {text}"),
    "verify.verdict_failed": (
        "核验失败：{total} 项检查中 {passed} 项通过",
        "FAILED: {passed} of {total} checks passed",
    ),
    "verify.verdict_verified": (
        "核验通过：{total} 项检查中 {passed} 项通过",
        "verified: {passed} of {total} checks passed",
    ),
    "verify.verdict_nothing": (
        "未核验任何内容：{total} 项检查中 {passed} 项通过",
        "nothing verified: {passed} of {total} checks passed",
    ),
    "manifest.aliases": (
        "清单使用了超过 {n} 个 YAML 别名（*name）",
        "the manifest uses more than {n} YAML aliases (*name)",
    ),
    "manifest.aliases_hint": (
        "请直接写出各个值；evidencekit 拒绝别名炸弹",
        "write the values out; evidencekit refuses alias bombs",
    ),
    "manifest.key_text": ("键必须是纯文本", "keys must be plain text"),
    "manifest.value_too_long": (
        "该值有 {n} 个字符；最多接受 {max} 个",
        "this value has {n} characters; at most {max} are accepted",
    ),
    "manifest.value_too_long_hint": (
        "把长文本放进 Markdown 文件并在此写出文件名，或缩短它",
        "put long text in a Markdown file and name it, or shorten it",
    ),
    "manifest.value_control": ("值中含有控制字符 {code}", "control character {code} in a value"),
    "manifest.value_control_hint": (
        "删除它（包括引号内的 \\0、\\x01 等转义）",
        "remove it (escapes such as \\0 or \\x01 in quoted text included)",
    ),
    "manifest.not_a_number": ("该值无法作为数字读取", "this value cannot be read as a number"),
    "manifest.not_a_number_hint": ("加上引号，作为文本保留", "quote it to keep it as text"),
    "manifest.empty": ("清单为空", "the manifest is empty"),
    "manifest.empty_hint": ("以 `evidencekit: 1` 开头", "start with `evidencekit: 1`"),
    "manifest.too_deep": ("清单嵌套过深，无法读取", "the manifest nests too deeply to read"),
    "manifest.too_deep_hint": ("减少嵌套层级", "flatten it"),
    "manifest.control": (
        "清单含有控制字符（{what}）",
        "the manifest contains a control character ({what})",
    ),
    "manifest.control_hint": (
        "删除它；把 case.yaml 保存为纯 UTF-8 文本",
        "remove it; save case.yaml as plain UTF-8 text",
    ),
    "manifest.yaml_error": ("YAML 错误：{what}", "YAML error: {what}"),
    "yaml.hint_check": ("检查这一行的缩进和引号", "check indentation and quoting on this line"),
    "yaml.comment_cut": (
        "YAML 语法错误：' #' 表示注释开始，这一行其余内容被截掉了",
        "YAML syntax error: ' #' starts a comment, so the rest of this line is cut off",
    ),
    "yaml.comment_cut_hint": (
        '给该值加上引号，例如 "orders/Order #1083 receipt.pdf"',
        'quote the value, e.g. "orders/Order #1083 receipt.pdf"',
    ),
    "yaml.syntax": ("YAML 语法错误：{what}", "YAML syntax error: {what}"),
    "yaml.tab_hint": (
        "缩进使用了制表符（Tab）；YAML 只能用空格缩进",
        "a tab is used for indentation; YAML indents with spaces only",
    ),
    "yaml.fullwidth_space_hint": (
        "这一行有全角空格 '\u3000'（中文输入法输入）；请改用普通空格",
        "this line has a full-width space '\u3000' (typed by a Chinese input method);"
        " use ordinary spaces",
    ),
    "yaml.fullwidth_colon_hint": (
        "这一行有全角冒号 '：'（中文输入法输入）；YAML 的键后面需要半角 ':' 加一个空格",
        "this line has a full-width colon '\uff1a' (typed by a Chinese input method);"
        " YAML needs ':' followed by a space after a key",
    ),
    "manifest.unknown_key": ("未知的键 {key!r}", "unknown key {key!r}"),
    "hint.did_you_mean": ("是否想写 {name!r}？", "did you mean {name!r}?"),
    "hint.keys": ("可用的键：{names}", "accepted keys: {names}"),
    "hint.kinds": ("可用的类型：{names}", "accepted kinds: {names}"),
    "manifest.missing_key": ("缺少必填键 {key!r}", "missing required key {key!r}"),
    "manifest.unknown_kind": ("未知的证据类型 {kind!r}", "unknown evidence kind {kind!r}"),
    "manifest.no_kind": ("证据项缺少 'kind'", "evidence item has no 'kind'"),
    "manifest.version": ("未知的清单版本 {version!r}", "unknown manifest version {version!r}"),
    "manifest.version_hint": (
        "本 evidencekit 读取清单版本 1：`evidencekit: 1`",
        "this evidencekit reads manifest version 1: `evidencekit: 1`",
    ),
    "manifest.time_range": ("日期时间 {value} 超出范围", "date/time {value} is out of range"),
    "manifest.time_range_hint": (
        "evidencekit 接受 {first} 年至 {last} 年",
        "evidencekit accepts the years {first} to {last}",
    ),
    "manifest.text_too_long_hint": (
        "请缩短；长文本应写在 description: 或陈述（statement）中",
        "shorten it; long text belongs in description: or the statement",
    ),
    "manifest.bad_time": ("不是有效的日期时间：{value!r}", "not a valid date/time: {value!r}"),
    "manifest.bad_time_hint": (
        "使用 ISO 8601 格式，例如 2025-10-04T10:00:00 或 2025-10-04T10:00:00+08:00",
        "use ISO 8601, e.g. 2025-10-04T10:00:00 or 2025-10-04T10:00:00+08:00",
    ),
    "pydantic.string_type": ("应为文本", "Input should be a valid string"),
    "pydantic.int_type": ("应为整数", "Input should be a valid integer"),
    "pydantic.int_parsing": (
        "应为整数，无法解析该值",
        "Input should be a valid integer, unable to parse string as an integer",
    ),
    "pydantic.int_from_float": (
        "应为整数，不能有小数部分",
        "Input should be a valid integer, got a number with a fractional part",
    ),
    "pydantic.float_type": ("应为数字", "Input should be a valid number"),
    "pydantic.float_parsing": (
        "应为数字，无法解析该值",
        "Input should be a valid number, unable to parse string as a number",
    ),
    "pydantic.decimal_type": (
        "应为数字",
        "Decimal input should be an integer, float, string or Decimal object",
    ),
    "pydantic.decimal_parsing": ("应为数字", "Input should be a valid decimal"),
    "pydantic.bool_type": ("应为 true 或 false", "Input should be a valid boolean"),
    "pydantic.bool_parsing": (
        "应为 true 或 false，无法解析该值",
        "Input should be a valid boolean, unable to interpret input",
    ),
    "pydantic.list_type": ("应为列表（[...] 或以 - 开头的各行）", "Input should be a valid list"),
    "pydantic.dict_type": ("应为映射（键: 值）", "Input should be a valid dictionary"),
    "pydantic.model_type": (
        "应为映射（键: 值，{class_name}）",
        "Input should be a valid dictionary or instance of {class_name}",
    ),
    "pydantic.model_attributes_type": (
        "应为映射（键: 值）",
        "Input should be a valid dictionary or object to extract fields from",
    ),
    "pydantic.literal_error": ("应为 {expected}", "Input should be {expected}"),
    "pydantic.greater_than": ("应大于 {gt}", "Input should be greater than {gt}"),
    "pydantic.greater_than_equal": (
        "应大于或等于 {ge}",
        "Input should be greater than or equal to {ge}",
    ),
    "pydantic.less_than": ("应小于 {lt}", "Input should be less than {lt}"),
    "pydantic.less_than_equal": ("应小于或等于 {le}", "Input should be less than or equal to {le}"),
    "pydantic.string_too_short": (
        "至少应有 {min_length} 个字符",
        "String should have at least {min_length} characters",
    ),
    "pydantic.string_too_long": (
        "最多只能有 {max_length} 个字符",
        "String should have at most {max_length} characters",
    ),
    "pydantic.too_short": (
        "{field_type} 至少应有 {min_length} 项，实际有 {actual_length} 项",
        "{field_type} should have at least {min_length} items after validation, "
        "not {actual_length}",
    ),
    "pydantic.too_long": (
        "{field_type} 最多只能有 {max_length} 项，实际有 {actual_length} 项",
        "{field_type} should have at most {max_length} items after validation, not {actual_length}",
    ),
    "pydantic.string_pattern_mismatch": (
        "格式不符，应匹配 {pattern}",
        "String should match pattern '{pattern}'",
    ),
    "pydantic.missing": ("缺少该字段", "Field required"),
    "pydantic.text_too_long": (
        "{length} 个字符；此处最多接受 {limit} 个",
        "{length} characters; at most {limit} are accepted here",
    ),
}
