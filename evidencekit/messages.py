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


class Label(Text):
    """A dossier label from i18n.CATALOG, used inside a message (e.g. a proof gap)."""

    key: str
    params: Mapping[str, object]

    def __new__(cls, key: str, /, **params: object) -> Label:
        from evidencekit.i18n import t

        self = super().__new__(cls, t(key, "en", **params))
        self.key = key
        self.params = params
        return self

    def render(self, lang: str) -> str:
        from evidencekit.i18n import t

        return t(self.key, lang, **self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_label, (self.key, dict(self.params)))


def _label(key: str, params: dict[str, object]) -> Label:
    return Label(key, **params)


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


def reason(e: BaseException) -> str:
    """An exception's text, still translatable when it was raised with a message."""
    if len(e.args) == 1 and isinstance(e.args[0], Text):
        return e.args[0]
    return str(e)


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
    "frame.at": ("{where}：{text}", "{where}: {text}"),
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
    "verify.st_ok": ("通过", "OK"),
    "verify.st_altered": ("已改动", "ALTERED"),
    "verify.st_missing": ("缺失", "MISSING"),
    "verify.st_note": ("说明", "NOTE"),
    "verify.row_sources": ("原始文件：{label}", "sources: {label}"),
    "verify.no_case_folder": (
        "未找到案件文件夹（请用 --sources DIR 指定）",
        "case folder not found (give --sources DIR)",
    ),
    "verify.row_token": ("{name}.tsr（时间戳）", "{name}.tsr (token)"),
    "verify.row_fingerprint": ("{path}（输入指纹）", "{path} (input fingerprint)"),
    "verify.row_revision": (
        "{file}（仅一个修订版本，即生成时原样）",
        "{file} (one revision, as written)",
    ),
    "verify.row_embedded": ("内嵌的 {name}", "embedded {name}"),
    "verify.row_embedded_copy": (
        "{pdf} ⟷ {record}（内嵌副本）",
        "{pdf} ⟷ {record} (embedded copy)",
    ),
    "verify.row_output": ("{record}：输出文件 {path!r}", "{record}: output {path!r}"),
    "verify.row_entry": ("归档条目 {name!r}", "archive entry {name!r}"),
    "verify.not_plain_name": ("不是普通的文件名", "not a plain file name"),
    "verify.bad_rendition": ("替代件记录格式有误", "a malformed rendition record"),
    "verify.unrecorded": ("不属于记录的文件集合", "not part of the recorded set"),
    "verify.not_object": ("不是 JSON 对象", "not a JSON object"),
    "verify.not_utf8": ("不是 UTF-8 文本", "not UTF-8 text"),
    "verify.no_case_id": ("缺少 case.id", "no case.id"),
    "verify.no_list": ("缺少 {key} 列表", "no {key} list"),
    "verify.entry_without_hash": (
        "{key} 中有条目缺少 path 或 sha256",
        "a {key} entry without path and sha256",
    ),
    "verify.no_outputs": ("没有输出文件", "no outputs"),
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
    "manifest.unreadable": ("无法读取清单：{why}", "cannot read the manifest: {why}"),
    "manifest.too_large": ("清单超过 {mb} MB", "the manifest is larger than {mb} MB"),
    "manifest.too_large_hint": (
        "把长文本放进 Markdown 文件、把数据放进 CSV/XLSX 文件，并在清单中写出文件名",
        "put long text in Markdown files and data in CSV/XLSX files it names",
    ),
    "manifest.not_mapping": (
        "清单必须是映射（键: 值）",
        "the manifest must be a mapping (key: value)",
    ),
    "manifest.unknown_language": ("未知的语言 {language!r}", "unknown language {language!r}"),
    "manifest.unknown_language_hint": ("使用 zh-CN 或 en", "use zh-CN or en"),
    "manifest.bad_bom": (
        "清单开头像 {codec} 文本，但实际不是",
        "the manifest starts like {codec} text but is not",
    ),
    "manifest.save_utf8": ("把 case.yaml 保存为 UTF-8 编码", "save case.yaml as UTF-8"),
    "manifest.save_utf8_text": ("把 case.yaml 保存为 UTF-8 文本", "save case.yaml as UTF-8 text"),
    "manifest.utf16": (
        "清单看起来是没有字节顺序标记（BOM）的 UTF-16 文本",
        "the manifest looks like UTF-16 text without a byte-order mark",
    ),
    "manifest.utf16_hint": (
        "把 case.yaml 保存为 UTF-8（记事本：另存为… → 编码：UTF-8）",
        "save case.yaml as UTF-8 (in Notepad: Save as… → Encoding: UTF-8)",
    ),
    "manifest.not_utf8": ("清单不是 UTF-8 文本", "the manifest is not UTF-8 text"),
    "manifest.nul": (
        "清单含有 NUL 字节（是二进制文件，或使用了其他编码）",
        "the manifest contains NUL bytes (a binary file, or text in another encoding)",
    ),
    "path.empty": ("路径为空", "empty path"),
    "path.control": ("路径 {path!r} 含有控制字符", "path {path!r} contains a control character"),
    "path.absolute": ("不允许使用绝对路径 {path!r}", "absolute path {path!r} is not allowed"),
    "path.absolute_hint": (
        "路径应相对于清单所在文件夹，并位于案件文件夹内",
        "give paths relative to the manifest's folder, inside the case folder",
    ),
    "path.leaves": ("路径 {path!r} 超出了案件文件夹", "path {path!r} leaves the case folder"),
    "path.leaves_hint": (
        "把文件复制到案件文件夹中，并写出它相对于 case.yaml 的路径",
        "copy the file into the case folder and name it relative to case.yaml",
    ),
    "path.too_long": ("路径 {path!r}… 过长", "path {path!r}… is too long"),
    "path.too_long_hint": (
        "文件名或文件夹名最多 {name} 字节（UTF-8），整个路径最多 {path} 字节；请重命名文件",
        "a file or folder name may have at most {name} bytes (UTF-8), a path {path}; "
        "rename the file",
    ),
    "path.link_outside": (
        "{path!r} 是指向案件文件夹之外的链接",
        "{path!r} is a link that points outside the case folder",
    ),
    "path.link_outside_hint": (
        "把文件本身复制到案件文件夹中",
        "copy the file itself into the case folder",
    ),
    "path.in_output": (
        "{path!r} 位于输出文件夹 {out}/ 内",
        "{path!r} is inside the output folder {out}/",
    ),
    "path.in_output_hint": (
        "输出文件不会作为证据读取：把该文件移出 {out}/，或把 output.dir 设为其他文件夹",
        "outputs are never read as evidence: move the file out of {out}/, or set "
        "output.dir to another folder",
    ),
    "hint.no_files_under": ("{folder}/ 下没有任何文件", "there are no files under {folder}/"),
    "hint.files_under": ("{folder}/ 下的文件：{names}", "files under {folder}/: {names}"),
    "hint.files_in_case": ("案件文件夹中的文件：{names}", "files in the case folder: {names}"),
    "hint.also_close": (" 相近的还有：{names}", " Also close: {names}"),
    "hint.comment_cut": (
        "YAML 中 ' #' 表示注释开始，这一行其余内容被截掉了：给该值加上引号，例如 \"orders/"
        'Order #1083 receipt.pdf"；',
        "' #' starts a comment in YAML, so the rest of the line was cut off: quote the "
        'value, e.g. "orders/Order #1083 receipt.pdf"; ',
    ),
    "path.unreadable": ("无法读取 {path!r}：{why}", "cannot read {path!r}: {why}"),
    "path.no_match": ("没有文件匹配 {pattern!r}", "no file matches {pattern!r}"),
    "path.not_found": ("找不到文件：{path!r}", "file not found: {path!r}"),
    "path.folder": ("{path!r} 是文件夹", "{path!r} is a folder"),
    "path.folder_hint": (
        "请写出文件名，或使用 'dir/*.png' 这样的通配符",
        "name files or a glob like 'dir/*.png'",
    ),
    "path.one_file": (
        "{path!r}：此处只能写一个文件，不能用通配符",
        "{path!r}: give one file here, not a pattern",
    ),
    "path.bad_type": (
        "{file}：不支持的文件类型 {suffix!r}",
        "{file}: unsupported file type {suffix!r}",
    ),
    "path.bad_type_hint": ("此处接受：{names}", "accepted here: {names}"),
    "path.export_in_files": (
        "此处接受：{names}；导出的表格写在 `table: {{file: …}}` 下"
        "（物流轨迹用 `events:`，聊天记录用 `transcript:`）",
        "accepted here: {names}; an export goes under `table: {{file: …}}` (tracking events: "
        "`events:`, a chat: `transcript:`)",
    ),
    "path.file_unreadable": ("{file}：无法读取：{why}", "{file}: cannot read: {why}"),
    "path.not_a_file": (
        "{file}：不是 {type} 文件（内容与文件名不符）",
        "{file}: not a {type} file (its content does not match its name)",
    ),
    "path.not_a_image": (
        "{file}：不是 {type} 图片（内容与文件名不符）",
        "{file}: not a {type} image (its content does not match its name)",
    ),
    "path.not_a_hint": (
        "重新导出该文件，或给它正确的扩展名",
        "re-export the file, or give it the right extension",
    ),
    "redact.not_item_file": (
        "{file!r} 不是本证据项的文件",
        "{file!r} is not one of this item's files",
    ),
    "redact.not_item_file_hint": (
        "写出与 files: 所匹配的图片相同的路径",
        "name the image as files: matches it",
    ),
    "redact.images_only": ("{file}：此处只能遮盖图片", "{file}: only images can be redacted here"),
    "redact.box_outside": (
        "遮盖框 [{x}, {y}, {bw}, {bh}] 不在 {w}×{h} 的图片范围内",
        "box [{x}, {y}, {bw}, {bh}] is not inside the {w}×{h} image",
    ),
    "redact.box_hint": (
        "遮盖框为 [x, y, 宽, 高]，单位为图片显示时的像素",
        "boxes are [x, y, width, height] in pixels, as the image displays",
    ),
    "pdf.pages_without_pdf": (
        "pages: 只适用于 PDF 文件，而本证据项没有 PDF",
        "pages: applies to PDF files, and this item has none",
    ),
    "pdf.password_without_pdf": (
        "password_env: 只适用于 PDF 文件",
        "password_env: applies to PDF files only",
    ),
    "pdf.env_unset": ("环境变量 {name!r} 未设置", "the environment variable {name!r} is not set"),
    "pdf.env_unset_hint": (
        "运行 evidencekit 之前先执行 export {name}='PDF 密码'",
        "export {name}='the PDF password' before running evidencekit",
    ),
    "pdf.repaired": (
        "{file}：该 PDF 已损坏，读取时已修复",
        "{file}: the PDF was damaged and has been repaired on reading",
    ),
    "pdf.repaired_hint": ("请在卷宗中检查它的页面", "check its pages in the dossier"),
    "pdf.pages_hint": ("例如 pages: 1-3,7", "e.g. pages: 1-3,7"),
    "records.delivered_before_placed": (
        "{label} 显示的签收时间（{at:%Y-%m-%d %H:%M}）早于订单 {order} 的下单时间",
        "{label} shows delivery ({at:%Y-%m-%d %H:%M}) before order {order} was placed",
    ),
    "records.check_dates": ("请核对日期", "check the dates"),
    "records.shipping_no_order": (
        "{label} 未注明订单，而本案有 {n} 笔订单",
        "{label} names no order, and the case has {n}",
    ),
    "records.shipping_no_order_hint": (
        "添加 order:（或 orders:），写出它所发货的 case.orders 订单编号，使地址、时间线和日"
        "期核对对应该订单",
        "add order: (or orders:) with the case.orders id it shipped, so its address, "
        "timeline entries and date checks use that order",
    ),
    "records.after_delivery": (
        "签收（{at:%Y-%m-%d %H:%M}）之后仍有物流记录：最后一条为 '{status}'",
        "tracking continues after delivery ({at:%Y-%m-%d %H:%M}): last event '{status}'",
    ),
    "records.after_delivery_hint": ("请核对承运商的记录", "check the carrier's record"),
    "records.order_in_no_table": (
        "订单 {order} 没有出现在本案任何表格中",
        "order {order} appears in none of the case's tables",
    ),
    "records.order_in_no_table_hint": (
        "请核对订单号，或添加订单导出文件",
        "check the order number, or add the order export",
    ),
    "orders.both": ("order: 和 orders: 只能写一个", "give order: or orders:, not both"),
    "orders.none_listed": (
        "没有订单 {order!r}：case.orders 为空",
        "no order {order!r}: case.orders is empty",
    ),
    "orders.none_listed_hint": ("把它列在 case.orders 下", "list it under case.orders"),
    "orders.unknown": ("case.orders 中没有订单 {order!r}", "no order {order!r} in case.orders"),
    "records.expected_kind": (
        "'{reason}' 类争议通常需要 {kind} 类证据，而本案没有",
        "a '{reason}' dispute usually needs {kind} evidence, and the case has none",
    ),
    "records.expected_kind_hint": (
        "添加一项 kind: {kind} 的证据（参见 `evidencekit init --profile {profile}`）",
        "add an evidence item with kind: {kind} (see `evidencekit init --profile {profile}`)",
    ),
    "output.dir_is_case": (
        "output.dir {path!r} 就是案件文件夹本身",
        "output.dir {path!r} is the case folder itself",
    ),
    "output.dir_is_case_hint": (
        "输出文件会与证据混在一起并可能覆盖证据：请使用子文件夹，例如 out",
        "outputs would mix with the evidence and could replace it: use a sub-folder such as out",
    ),
    "review.no_source": (
        "{title!r} 没有来源（source）：证据目录中该列为空",
        "{title!r} has no source: the index shows this column empty",
    ),
    "review.no_proves": (
        "{title!r} 没有证明目的（proves）：证据目录中该列为空",
        "{title!r} has no proves: the index shows this column empty",
    ),
    "review.no_source_proves": (
        "{title!r} 没有来源（source）和证明目的（proves）：证据目录中这两列为空",
        "{title!r} has no source and no proves: the index shows these columns empty",
    ),
    "review.no_source_hint": (
        "写明它的来源（source:，来源）和证明目的（proves:，证明目的）",
        "say where it comes from (source:, 来源) and what it proves (proves:, 证明目的)",
    ),
    "review.todo": ("仍留有 `init` 生成的 TODO 文字", "TODO text left from `init`"),
    "review.todo_hint": (
        "换成本案自己的内容，或删除这一行",
        "replace it with the case's own text, or delete the line",
    ),
    "review.todo_line": (
        "{file}：第 {lines} 行仍留有 `init` 生成的 TODO 文字",
        "{file}: TODO text left from `init` on line {lines}",
    ),
    "review.todo_lines": (
        "{file}：第 {lines} 行仍留有 `init` 生成的 TODO 文字",
        "{file}: TODO text left from `init` on lines {lines}",
    ),
    "review.todo_statement_hint": (
        "在那里写上陈述本身的内容",
        "write the statement's own text there",
    ),
    "review.override_cover": (
        "；封面仍写着“提交至：{to}”",
        "; its cover still says 提交至/Submitted to: {to}",
    ),
    "review.override": (
        "--profile {profile} 改变了提交对象：清单中写的是 {was!r}{cover}",
        "--profile {profile} changes the recipient: the manifest names {was!r}{cover}",
    ),
    "review.override_hint": (
        "请改为在清单中设置 case.profile 和 case.submitted_to",
        "set case.profile and case.submitted_to in the manifest instead",
    ),
    "review.recipient": (
        "submitted_to {to!r} 指向 {named}，但平台配置是 {own}（{title}）：封面会写错提交对象",
        "submitted_to {to!r} names {named}, but the profile is {own} ({title}): the cover "
        "would address the wrong recipient",
    ),
    "review.recipient_hint": (
        "为 {to} 使用对应的平台配置，或把 submitted_to 改为 {own}",
        "use the profile for {to}, or set submitted_to for {own}",
    ),
    "review.statement_to": (
        "陈述的致送对象是 {names}，但平台配置是 {own}（{title}）",
        "the statement addresses {names}, but the profile is {own} ({title})",
    ),
    "review.statement_to_hint": (
        "把陈述写给本平台配置的提交对象",
        "address the statement to the recipient of this profile",
    ),
    "profile.unknown": ("未知的平台配置 {name!r}", "unknown profile {name!r}"),
    "hint.profiles": ("可用配置：{names}", "profiles: {names}"),
    "profile.unusable": ("无法使用该平台配置：{why}", "cannot use the profile: {why}"),
    "profile.unloadable": (
        "无法加载平台配置 {name!r}：{why}",
        "cannot load profile {name!r}: {why}",
    ),
    "profile.timezone": (
        "平台配置的时区 {zone!r} 未知",
        "the profile's time zone {zone!r} is unknown",
    ),
    "statement.too_long": (
        "{file}：{n} 个字符；最多接受 {max} 个",
        "{file}: {n} characters; at most {max} are accepted",
    ),
    "statement.too_long_hint": (
        "请缩短陈述；长文档请作为 PDF 证据提交",
        "shorten the statement; put long documents in as PDF evidence",
    ),
    "exhibit.duplicate_id": (
        "证据编号 {id!r} 重复（另见 evidence[{other}]）",
        "duplicate exhibit id {id!r} (also evidence[{other}])",
    ),
    "exhibit.duplicate_id_hint": (
        "每项证据使用各自的编号，或不写编号以自动编号",
        "give each evidence item its own id, or leave ids out to number them",
    ),
    "exhibit.bad_id": (
        "证据编号 {id!r} 须为 1-20 个字母或数字",
        "exhibit id {id!r} must be 1-20 letters/digits",
    ),
    "exhibit.bad_id_hint": ("例如 A、B、1、2、C1", "e.g. A, B, 1, 2, C1"),
    "exhibit.file_again": (
        "{files} 已在本证据项的前面条目中列出；每个文件只展示一次",
        "{files} already named by an earlier entry of this item; each file is shown once",
    ),
    "table.sheet_not_xlsx": (
        "sheet: 只适用于 XLSX 工作簿",
        "sheet: applies to XLSX workbooks only",
    ),
    "exhibit.empty": ("证据项 {title!r} 没有任何内容", "evidence item {title!r} shows nothing"),
    "exhibit.empty_hint": (
        "请给出 files:、table: 或 events:",
        "give files:, a table:, or events:",
    ),
    "exhibit.empty_note": (
        "说明（note）需要 description 或 files",
        "a note needs a description or files",
    ),
    "orders.duplicate": (
        "订单 {order!r} 重复（另见 case.orders[{other}]）",
        "duplicate order {order!r} (also case.orders[{other}])",
    ),
    "orders.duplicate_hint": ("每笔订单只列一次", "list each order once"),
    "proof.no_file": ("proof.{name} 没有写出文件", "proof.{name} names no file"),
    "proof.no_file_hint": ("请给出 file: 或 files:", "give file: or files:"),
    "proof.placeholder": (
        "{pattern!r} 中有未知的占位符 {field}",
        "unknown placeholder {field} in {pattern!r}",
    ),
    "proof.placeholders": (
        "可用占位符：{{order}}、{{waybill}}、{{buyer}}",
        "placeholders: {{order}}, {{waybill}}, {{buyer}}",
    ),
    "proof.placeholders_none": ("此处不能使用占位符", "placeholders: none here"),
    "proof.one_export": ("proof.{name} 只接受一个导出文件", "proof.{name} takes one export file"),
    "proof.too_many": (
        "需要举证 {n} 笔订单；一份卷宗最多 {max} 笔",
        "{n} orders to prove; one dossier proves at most {max}",
    ),
    "proof.too_many_hint": ("把订单列表拆分为多个案件", "split the list into several cases"),
    "proof.no_orders": ("proof: 没有需要举证的订单", "proof: has no orders to prove"),
    "proof.no_orders_hint": (
        "把订单列在 case.orders 下，或用 case.orders_from 指定订单列表",
        "list them under case.orders, or name a list with case.orders_from",
    ),
    "proof.id_taken": (
        "证据编号 {id!r} 已被清单中的证据使用",
        "exhibit id {id!r} is also the id of a manifest exhibit",
    ),
    "proof.id_taken_hint": ("修改那项证据的 id:", "change that exhibit's id:"),
    "proof.gap": ("订单 {order}：{gap}（{where}）", "order {order}: {gap} ({where})"),
    "export.column_repeats": (
        "列名 {name!r} 重复：第 {n} 列显示为 {shown!r}",
        "the column name {name!r} repeats: column {n} is shown as {shown!r}",
    ),
    "export.empty": ("表格为空", "the table is empty"),
    "time.bad_offset": ("不是有效的 UTC 时差：{offset}", "not a UTC offset: {offset}"),
    "time.bad_month": ("未知的月份 {month!r}", "unknown month {month!r}"),
    "time.bad_hour": ("使用 AM/PM 时小时数超过 12", "an hour over 12 with AM/PM"),
    "time.empty": ("日期时间为空", "empty date/time"),
    "time.bad": ("不是有效的日期时间：{value!r}", "not a date/time: {value!r}"),
    "time.year_range": (
        "年份 {year} 超出范围（{first}-{last}）",
        "the year {year} is out of range ({first}-{last})",
    ),
    "export.unknown_role": (
        "未知的列角色 {role!r}；可用：{names}",
        "unknown column role {role!r}; use: {names}",
    ),
    "export.no_column": (
        "没有名为 {name!r} 的列（columns: {role}）；现有的列：{names}",
        "no column {name!r} (columns: {role}); the columns are: {names}",
    ),
    "export.no_event_columns": (
        "无法判断哪一列是时间、哪一列是事件；现有的列：{names}",
        "cannot tell which columns hold the time and the event; the columns are: {names}",
    ),
    "export.bad_line": ("第 {line} 行：{value!r}", "line {line}: {value!r}"),
    "export.and_more": ("（另有 {n} 处）", " (and {n} more)"),
    "export.bad_times": (
        "不是有效的日期时间：{lines}{more}；请使用例如 2025-10-01 09:36 或 2025-10-01T09:36"
        ":00+08:00",
        "not a date/time: {lines}{more}; use e.g. 2025-10-01 09:36 or 2025-10-01T09:36:00+08:00",
    ),
    "export.no_events": ("该文件中没有物流事件", "the file holds no tracking events"),
    "export.no_waybill_rows": (
        "列 {column!r} 中没有运单号 {number!r} 的记录（该列包含 {shown}）",
        "no rows for tracking number {number!r} in column {column!r} (it holds {shown})",
    ),
    "export.many_waybills": (
        "该文件包含 {n} 个运单（{shown}）；请用 tracking_number: 指定其中一个",
        "the file holds {n} waybills ({shown}); set tracking_number: to pick one",
    ),
    "text.unknown_encoding": (
        "未知的编码 {name!r}（例如 utf-8、gb18030、big5、shift_jis、cp1252）",
        "unknown encoding {name!r} (e.g. utf-8, gb18030, big5, shift_jis, cp1252)",
    ),
    "text.cannot_decode_as": (
        "无法按 {name} 解码文本（第 {line} 行，第 {byte} 字节）；删除 encoding: 让 evidence"
        "kit 自动识别，或写出正确的编码",
        "cannot decode the text as {name} (line {line}, byte {byte}); remove encoding: to "
        "let evidencekit detect it, or name the right one",
    ),
    "text.bad_utf8_bom": (
        "文件以 UTF-8 标记开头，但内容不是 UTF-8（第 {byte} 字节）",
        "the file starts with a UTF-8 mark but is not UTF-8 (byte {byte})",
    ),
    "text.bad_utf16_bom": (
        "文件以 UTF-16 标记开头，但内容不是 UTF-16（第 {byte} 字节）",
        "the file starts with a UTF-16 mark but is not UTF-16 (byte {byte})",
    ),
    "text.cannot_decode": (
        "无法解码文本：它不是 UTF-8、UTF-16、GB18030/GBK、Big5、Shift-JIS 或 "
        "cp1252；请另存为 UTF-8（Excel：另存为 → CSV UTF-8）",
        "cannot decode the text: it is neither UTF-8, UTF-16, GB18030/GBK, Big5, Shift-JIS "
        "nor cp1252; save it as UTF-8 (Excel: Save As → CSV UTF-8)",
    ),
    "text.guessed": (
        "{file}：文件中未标明编码；已按 {encoding} 读取（自动识别）。如果字符显示有误，请用"
        " encoding: 写出正确的编码（例如 gb18030、big5、shift_jis、cp1252）",
        "{file}: no encoding is marked in the file; read as {encoding} (detected). If "
        "characters look wrong, name the right one with encoding: (e.g. gb18030, big5, "
        "shift_jis, cp1252)",
    ),
    "export.no_id_column": (
        "没有名为 {name!r} 的列（id:）；现有的列：{names}",
        "no column {name!r} (id:); the columns are: {names}",
    ),
    "export.no_order_id_column": (
        "无法判断哪一列是订单号；请用 id: 写出列名（现有的列：{names}）",
        "cannot tell which column holds the order id; name it with id: (the columns are: {names})",
    ),
    "export.no_order_ids": ("列 {name!r} 中没有订单号", "the column {name!r} holds no order ids"),
    "table.too_many_rows": (
        "超过 {max:,} 行：请先拆分导出文件（或在源系统中筛选）再添加",
        "more than {max:,} rows: split the export (or filter it in the source system) "
        "before adding it",
    ),
    "table.csv_cell": (
        "第 {line} 行：一个单元格有 {n:,} 个字符，超过电子表格单元格的容量（{max:,}）；这真"
        "的是表格吗？",
        "line {line}: a cell holds {n:,} characters, more than a spreadsheet cell can "
        "({max:,}); is this really a table?",
    ),
    "table.csv_error": (
        "第 {line} 行：无法读取 CSV（{why}）",
        "line {line}: cannot read the CSV ({why})",
    ),
    "table.bad_number": (
        "{where} 的值为 {value!r}，不是电子表格能保存的数字",
        "{where} holds {value!r}, which is not a number a spreadsheet can hold",
    ),
    "table.rounded": (
        "{where} 的值为 {digits} 位数字 {value!r}：电子表格把它存成了数字，已经四舍五入（是"
        "订单号吗？）。请在源系统导出时把该列设为文本，或导出 CSV",
        "{where} holds the number {value!r} with {digits} digits: the spreadsheet stored "
        "it as a number and has already rounded it (an order number?). Format that column "
        "as Text in the source system's export, or export CSV",
    ),
    "xlsx.bad_zip": (
        "不是可读取的 XLSX 工作簿（ZIP 容器损坏或不完整：{why}）",
        "not a readable XLSX workbook (the ZIP container is damaged or truncated: {why})",
    ),
    "xlsx.parts": (
        "工作簿有 {n:,} 个部件（最多读取 {max:,} 个）",
        "the workbook has {n:,} parts (at most {max:,} are read)",
    ),
    "xlsx.bomb": (
        "工作簿部件 {part!r} 解压后将达 {size:,} 字节（为存储大小的 {ratio:,.0f} 倍）：作为"
        " ZIP 炸弹拒绝。请重新导出表格，或导出为 CSV",
        "the workbook part {part!r} would expand to {size:,} bytes ({ratio:,.0f}× its "
        "stored size): refused as a ZIP bomb. Export the table again, or as CSV",
    ),
    "xlsx.too_big": (
        "工作簿解压后将达 {size:,} 字节（最多 {max:,}）：请少导出一些行，或导出为 CSV",
        "the workbook would expand to {size:,} bytes (at most {max:,}): export fewer rows, "
        "or as CSV",
    ),
    "xlsx.doctype": (
        "工作簿部件 {part!r} 声明了 XML 实体（DOCTYPE），电子表格程序从不这样写：拒绝读取",
        "the workbook part {part!r} declares XML entities (a DOCTYPE), which spreadsheet "
        "programs never write: refused",
    ),
    "xlsx.part_unreadable": (
        "工作簿部件 {part!r} 无法读取（{why}）",
        "the workbook part {part!r} is unreadable ({why})",
    ),
    "xlsx.unreadable": ("无法读取工作簿（{why}）", "cannot read the workbook ({why})"),
    "xlsx.no_sheet": (
        "没有工作表 {sheet!r}；现有工作表：{names}",
        "no sheet {sheet!r}; the sheets are: {names}",
    ),
    "xlsx.no_worksheet": ("工作簿中没有工作表", "the workbook has no worksheet"),
    "xlsx.hidden_first": (
        "第一个工作表 {hidden!r} 是隐藏的：已读取第一个可见工作表 {sheet!r}（可用 sheet: 指"
        "定其他工作表）",
        "the first sheet {hidden!r} is hidden: read the first visible sheet {sheet!r} "
        "(name another with sheet:)",
    ),
    "xlsx.too_many_rows": (
        "工作表 {sheet!r} 超过 {max:,} 行：请拆分导出文件",
        "sheet {sheet!r} has more than {max:,} rows: split the export",
    ),
    "xlsx.too_many_cells": (
        "工作表 {sheet!r} 超过 {max:,} 个单元格：请拆分导出文件",
        "sheet {sheet!r} has more than {max:,} cells: split the export",
    ),
    "xlsx.cell": ("工作表 {sheet!r} 的单元格 {cell}", "sheet {sheet!r} cell {cell}"),
    "xlsx.long_cell": (
        "{where} 有 {n:,} 个字符（最多 {max:,}）",
        "{where} holds {n:,} characters (at most {max:,})",
    ),
    "xlsx.and_more": ("，另有 {n} 个", " and {n} more"),
    "xlsx.unsaved": (
        "工作表 {sheet!r}：{n} 个公式单元格没有保存的值（{shown}），显示为空白；请用电子表"
        "格程序打开并保存该文件，以存入这些值",
        "sheet {sheet!r}: {n} formula cell(s) have no saved value ({shown}) and show as "
        "blank; open the file in a spreadsheet program and save it, so the values are "
        "stored",
    ),
    "file.unreadable": ("无法读取：{why}", "cannot read: {why}"),
    "table.no_column": (
        "没有名为 {name!r} 的列；现有的列：{names}",
        "no column {name!r}; the columns are: {names}",
    ),
    "chat.bad_json": ("不是有效的 JSON（{why}）", "not valid JSON ({why})"),
    "chat.not_a_list": (
        '应为消息列表（或 {{"messages": [...]}}）',
        'expected a list of messages (or {{"messages": [...]}})',
    ),
    "chat.message_n": ("第 {n} 条消息", "message {n}"),
    "chat.line_n": ("第 {n} 行", "line {n}"),
    "chat.csv_columns": (
        "聊天记录 CSV 需要时间、发送人和消息三列；现有的列：{names}",
        "a chat CSV needs time, sender and message columns; found: {names}",
    ),
    "chat.bad_header": (
        "第 {n} 行不是消息标题行；应为 '2025-10-01 09:36 发送人' 这样的行，下一行是消息内容",
        "line {n} is not a message header; expected lines like '2025-10-01 09:36 sender' "
        "followed by the message",
    ),
    "chat.bad_time": (
        "{where}：不是有效的日期时间：{value!r}",
        "{where}: not a valid date/time: {value!r}",
    ),
    "chat.empty": ("聊天记录中没有消息", "the transcript holds no messages"),
    "image.bomb": (
        "图片过大（可能是解压炸弹，拒绝处理）；请缩小它",
        "image is too large (refused as a possible decompression bomb); scale it down",
    ),
    "image.unreadable": (
        "不是可读取的图片（格式未知或已损坏）",
        "not a readable image (unknown or damaged format)",
    ),
    "image.memory": (
        "解码该图片需要的内存过多；请缩小它",
        "the image needs too much memory to decode; scale it down",
    ),
    "image.damaged": (
        "图片已损坏或不完整（{why}）；请重新导出或重新截图",
        "the image is damaged or truncated ({why}); re-export or re-capture it",
    ),
    "image.the_image": ("图片", "image"),
    "image.page_n": ("第 {n} 页", "page {n}"),
    "image.pixels": (
        "{what} 为 {w}×{h} 像素，超过 {limit:,} 像素的上限（可能是解压炸弹，拒绝处理）；请缩小它",
        "{what} is {w}×{h} pixels, over the {limit:,}-pixel limit (refused as a possible "
        "decompression bomb); scale it down",
    ),
    "image.tiff_pixels": (
        "该 TIFF 的 {n} 页共 {total:,} 像素，超过每个文件 {limit:,} 像素的上限；请拆分或缩小",
        "the TIFF's {n} pages hold {total:,} pixels, over the {limit:,}-pixel limit per "
        "file; split or scale it down",
    ),
    "image.case_pixels": (
        "加上这张图片，本案图片共 {total:,} 像素，超过每个案件 {limit:,} 像素的上限；请拆分"
        "案件或缩小图片",
        "with this image the case's images hold {total:,} pixels, over the {limit:,}-pixel "
        "limit per case; split the case or scale images down",
    ),
    "image.boxes_outside": (
        "遮盖框 {boxes} 位于图片范围之外（{w}×{h} 像素）",
        "redaction box(es) {boxes} lie outside the image ({w}×{h} pixels)",
    ),
    "image.crashed": (
        "准备这张图片的进程意外终止（图片可能已损坏，或超出本机内存）；请重新导出或重新截图后再试",
        "the process preparing this image stopped unexpectedly (the image may be damaged, or too "
        "large for this machine's memory); re-export or re-capture it",
    ),
    "image.too_long": (
        "图片为 {w}×{h} 像素：按可读宽度需要分成 {n} 段（最多 {max} 段）；请裁剪或拆分为多个文件",
        "the image is {w}×{h} pixels: at a readable width it would need {n} page parts (at "
        "most {max}); crop it or split it into several files",
    ),
    "pdf.damaged": (
        "PDF 已损坏且无法修复（{why}）；请向发送方索取新的副本",
        "the PDF is damaged beyond repair ({why}); ask the sender for a new copy",
    ),
    "pdf.wrong_password": (
        "PDF 已加密，且密码错误",
        "the PDF is encrypted and the password is wrong",
    ),
    "pdf.encrypted": (
        "PDF 已加密；请用 password_env: 写出存放其密码的环境变量（例如 password_env: "
        "POLICY_PDF_PASSWORD）",
        "the PDF is encrypted; name the environment variable holding its password with "
        "password_env: (e.g. password_env: POLICY_PDF_PASSWORD)",
    ),
    "pdf.read_by_pdfium": (
        "PDF 已损坏；PDFium 可以读取，请在卷宗中检查它的页面",
        "the PDF is damaged; PDFium could read it, check its pages in the dossier",
    ),
    "pdf.protected": (
        "PDF 设置了防修改保护（阅读无需密码）；其加密方式不常见，因此用 PDFium 打开",
        "the PDF is protected against changes (no password is needed to read it); its "
        "encryption is unusual, so it was opened with PDFium",
    ),
    "pdf.no_mediabox": ("没有可用的 MediaBox", "no usable MediaBox"),
    "pdf.zero_mediabox": ("面积为零的 MediaBox", "a MediaBox of zero area"),
    "pdf.page_letter": (
        "第 {n} 页{what}；按阅读器的做法以 US Letter 尺寸显示",
        "page {n} has {what}; it is shown as US Letter, as readers do",
    ),
    "pdf.page_too_large": (
        "第 {n} 页超过 PDF 允许的尺寸（200 英寸）；已缩小",
        "page {n} is larger than PDF allows (200 inches); it is scaled down",
    ),
    "pdf.bad_cropbox": (
        "第 {n} 页的 CropBox 超出 MediaBox 或无法读取；显示整页",
        "page {n} has a CropBox outside its MediaBox or unreadable; the whole page is shown",
    ),
    "pdf.bad_rotate": (
        "第 {n} 页的 /Rotate 无效；按未旋转显示",
        "page {n} has an invalid /Rotate; it is shown unrotated",
    ),
    "pdf.more_findings": ("另有 {n} 处页面问题", "and {n} more page findings"),
    "pdf.page_tree": ("PDF 的页面树已损坏（{why}）", "the PDF's page tree is damaged ({why})"),
    "pdf.no_pages": ("PDF 没有页面", "the PDF has no pages"),
    "pdf.not_pdfa": (
        "PDF 含有 PDF/A-3b 禁止或校验器无法确认的内容（{findings}）；请不用 --pdfa 生成，或"
        "先把它转换为 PDF/A",
        "the PDF holds content that PDF/A-3b forbids or that the validator cannot vouch "
        "for ({findings}); build without --pdfa, or convert it to PDF/A first",
    ),
    "font.missing": (
        "未安装字体 {font}（URW base35）；请安装 fonts-urw-base35（make sysdeps）",
        "the font {font} (URW base35) is not installed; install fonts-urw-base35 (make sysdeps)",
    ),
    "font.unreadable": (
        "无法读取替代字体 {name}（{why}）",
        "cannot read the substitute font {name} ({why})",
    ),
    "font.subset": (
        "无法对替代字体 {name} 取子集（{why}）",
        "cannot subset the substitute font {name} ({why})",
    ),
    "init.exists": (
        "{manifest} 已存在；evidencekit init 从不覆盖已有案件",
        "{manifest} already exists; evidencekit init never overwrites a case",
    ),
    "output.is_file": (
        "{path}：输出文件夹是一个文件；请用 -o 指定一个文件夹",
        "{path}: the output folder is a file; give a folder with -o",
    ),
    "output.not_writable": (
        "{path}：输出文件夹不可写；请用 -o 指定其他文件夹",
        "{path}: the output folder is not writable; give another folder with -o",
    ),
    "output.is_source": (
        "{path}：输出文件夹是本案的证据来源之一",
        "{path}: the output folder is one of the case's sources",
    ),
    "build.up_to_date": (
        "自上次生成以来没有任何变化：输出保持原样（已核验）；如需重新生成请加 --force",
        "nothing changed since the last build: outputs kept as they are (verified); use --force "
        "to rebuild",
    ),
    # the exit-3 draft's fit report (outputs/draft.py)
    "draft.title": (
        "{id}：卷宗不符合 {profile} 的限制",
        "{id}: the dossier does not meet the {profile} limits",
    ),
    "draft.dossier": ("卷宗：{pages} 页，{size}", "dossier: {pages} pages, {size}"),
    "draft.kind_0": ("图片", "images"),
    "draft.kind_1": ("插入的 PDF", "included PDFs"),
    "draft.kind_2": ("字体", "fonts"),
    "draft.kind_3": ("文字与表格", "text and tables"),
    "draft.largest_first": ("各项证据（从大到小）：", "exhibits, largest first:"),
    "draft.pages": ("{n} 页", "{n} p."),
    "draft.mostly": ("主要是{kind}", "mostly {kind}"),
    "draft.front": ("首页文书、目录与附录", "front matter and appendix"),
    "draft.share": ("{kind} {pct}%", "{kind} {pct} %"),
    "draft.top": (
        "{exhibit} {size}（{pages} 页，主要是{kind}）",
        "{exhibit} {size} ({pages} p., mostly {kind})",
    ),
    "draft.causes": ("占用大小的是：{share}{largest}", "what takes the bytes: {share}{largest}"),
    "draft.causes_largest": ("；最大的几项证据：{top}", "; the largest exhibits: {top}"),
    "draft.kept": ("已保留（不可用于上传）：{files}", "kept (not for upload): {files}"),
    "draft.not_kept": ("未能保留草稿：{why}", "the draft could not be kept: {why}"),
    # the case register (register/, `evidencekit cases ...`)
    "register.failed": ("登记簿 {where}：{why}", "register {where}: {why}"),
    "register.changed": (
        "{archive}：复制到 {store} 的过程中被改动",
        "{archive}: changed while it was copied into {store}",
    ),
    "register.unknown_status": (
        "未知的状态 {status!r}；可选：{names}",
        "unknown status {status!r}; use one of: {names}",
    ),
    "register.did_you_mean": ("；是否想写 {names}？", "; did you mean {names}?"),
    "register.unknown_case": (
        "案件 {id!r} 不在登记簿 {where} 中{hint}",
        "case {id!r} is not in the register {where}{hint}",
    ),
    "register.no_file": ("文件已不在原处", "no file there"),
    "register.now": ("SHA-256 现为 {sha}…", "SHA-256 is now {sha}…"),
    "register.off": (
        "案件登记簿已关闭（EVIDENCEKIT_REGISTER=off）",
        "the case register is off (EVIDENCEKIT_REGISTER=off)",
    ),
    "register.not_updated": (
        "案件登记簿未更新（{why}）；生成本身已完成",
        "the case register was not updated ({why}); the build itself is complete",
    ),
    "register.bad_url": (
        "登记簿 {raw!r}：不是数据库 URL，也不是路径（{why}）",
        "register {raw!r}: not a database URL or path ({why})",
    ),
    "register.cannot_open": (
        "登记簿 {where}：无法打开（{why}）",
        "register {where}: cannot open it ({why})",
    ),
    "register.no_driver": (
        "登记簿 {where}：未安装数据库驱动（{name}）；使用 PostgreSQL 请安装 "
        "evidencekit[postgresql]",
        "register {where}: the database driver is not installed ({name}); for PostgreSQL "
        "install evidencekit[postgresql]",
    ),
    "register.newer_schema": (
        "登记簿结构版本 {found} 由更新的 evidencekit 写入（本版本只认识 {known}）；请升级 "
        "evidencekit",
        "register schema version {found} was written by a newer evidencekit (this one knows "
        "{known}); upgrade evidencekit",
    ),
    "cases.h_case": ("案件", "case"),
    "cases.h_platform": ("平台", "platform"),
    "cases.h_reason": ("争议原因", "reason"),
    "cases.h_status": ("状态", "status"),
    "cases.h_respond_by": ("答复期限", "respond by"),
    "cases.h_left": ("剩余", "left"),
    "cases.h_amount": ("金额", "amount"),
    "cases.h_orders": ("订单", "orders"),
    "cases.overdue": ("已逾期 {days} 天", "overdue {days} d"),
    "cases.days": ("{days} 天", "{days} d"),
    "cases.st_draft": ("草稿", "draft"),
    "cases.st_built": ("已生成", "built"),
    "cases.st_submitted": ("已提交", "submitted"),
    "cases.st_won": ("成功", "won"),
    "cases.st_lost": ("失败", "lost"),
    "cases.st_withdrawn": ("已撤回", "withdrawn"),
    "cases.unknown_status": (
        "--status：未知的状态 {status!r}；可选：{names}",
        "--status: unknown {status!r}; use one of: {names}",
    ),
    "cases.none_match": ("没有符合条件的案件", "no cases match"),
    "cases.nothing_due": ("{days} 天内没有到期的案件", "nothing due within {days} days"),
    "cases.no_hit": ("没有案件包含 {query!r}", "no case holds {query!r}"),
    "cases.f_title": ("标题", "title"),
    "cases.f_reason": ("争议原因", "reason"),
    "cases.f_claim": ("对方主张", "claim"),
    "cases.f_case_number": ("平台案件号", "case number"),
    "cases.since": ("{status}（自 {at} 起）", "{status} since {at}"),
    "cases.f_order": ("订单", "order"),
    "cases.f_waybill": ("运单", "waybill"),
    "cases.role_respondent": ("被申请人", "respondent"),
    "cases.role_claimant": ("申请人", "claimant"),
    "cases.f_manifest": ("清单", "manifest"),
    "cases.f_output": ("输出", "output"),
    "cases.f_at": ("时间", "at"),
    "cases.f_note": ("备注", "note"),
    "cases.t_history": ("状态记录", "history"),
    "cases.f_file": ("文件", "file"),
    "cases.f_size": ("大小", "size"),
    "cases.t_outputs": ("输出文件（最近一次生成）", "outputs (last build)"),
    "cases.f_archived": ("归档时间", "archived"),
    "cases.f_kept_at": ("保存位置", "kept at"),
    "cases.f_verified": ("核验", "verified"),
    "cases.t_archives": ("归档", "archives"),
    "cases.not_yet": ("尚未核验", "not yet"),
    "cases.marked": ("{id}：{status}", "{id}: {status}"),
    "cases.exported": ("已把 {n} 个案件写入 {path}", "wrote {n} case(s) to {path}"),
    "cases.verify_what": ("请给出案件编号或 --all", "give a case id or --all"),
    "cases.f_archive_sha": ("归档 sha256", "archive sha256"),
    "cases.f_detail": ("详情", "detail"),
    "cases.verdict_ok": (
        "核验通过：{total} 个归档中 {ok} 个完好",
        "verified: {ok} of {total} archive(s) intact",
    ),
    "cases.verdict_failed": (
        "核验失败：{total} 个归档中 {ok} 个完好",
        "FAILED: {ok} of {total} archive(s) intact",
    ),
    "cases.f_cases": ("案件数", "cases"),
    "cases.f_pending": ("待定", "pending"),
    "cases.f_win_rate": ("成功率", "win rate"),
    "cases.t_by_reason": ("按争议原因", "by reason"),
    "cases.t_by_platform": ("按平台", "by platform"),
    "output.holds_sources": (
        "{path}：输出文件夹是案件文件夹，或包含本案的清单或证据（{names}，共 {n} 个）；"
        "输出会与证据混在一起并可能覆盖证据：请用 -o 指定其他文件夹，例如案件文件夹下的 out",
        "{path}: the output folder is the case folder or holds the case's manifest or sources "
        "({names}: {n} in all); outputs would mix with the evidence and could replace it: give "
        "another folder with -o, such as out inside the case folder",
    ),
    "output.bad_name": (
        "拒绝使用输出文件名 {name!r}（不是普通文件名，或重复）",
        "refusing the output name {name!r} (not a plain file name, or twice)",
    ),
    "output.would_overwrite_source": (
        "{path}：输出文件会覆盖本案同名的证据文件；请选择其他输出文件夹（output.dir 或 -o）",
        "{path}: an output would overwrite a source of this case with the same name; "
        "choose another output folder (output.dir or -o)",
    ),
    "output.foreign_file": (
        "{path}：已存在，且不是本案上一次生成的输出（或之后被改动过）；请移走它或选择其他输"
        "出文件夹",
        "{path}: exists and is not an output of this case's previous build (or was altered "
        "since); move it away or choose another output folder",
    ),
    "output.disk_full": (
        "{path}：磁盘已满；未替换任何文件（保留了之前的输出）",
        "{path}: the disk is full; nothing was replaced (the previous outputs are kept)",
    ),
    "output.denied": (
        "{path}：不可写（{why}）；未替换任何文件",
        "{path}: not writable ({why}); nothing was replaced",
    ),
    "output.write_failed": (
        "{path}：无法写入输出（{why}）；未替换任何文件",
        "{path}: cannot write the outputs ({why}); nothing was replaced",
    ),
    "output.refuse_name": (
        "拒绝写入 {name!r}：不是输出文件夹内的普通文件名",
        "refusing to write {name!r}: not a plain file name inside the output folder",
    ),
    "output.refuse_outside": (
        "拒绝写入 {name!r}：{folder} 通向输出文件夹之外",
        "refusing to write {name!r}: {folder} leads outside the output folder",
    ),
    "tsa.bad_url": ("{url!r} 不是有效的网址（{why}）", "{url!r} is not a valid URL ({why})"),
    "tsa.not_http": (
        "{url!r} 不是 http(s) 网址；时间戳服务只能通过 http 或 https 访问",
        "{url!r} is not an http(s) URL; a TSA is reached over http or https only",
    ),
    "tsa.too_big": (
        "时间戳服务 {url} 返回的数据超过 {cap:,} 字节；拒绝接受",
        "the timestamp authority {url} sent more than {cap:,} bytes; refused",
    ),
    "tsa.timeout": (
        "时间戳服务 {url} 响应超时",
        "the timestamp authority {url} took too long to answer",
    ),
    "tsa.unreachable": (
        "无法连接时间戳服务 {url}：{why}",
        "the timestamp authority {url} could not be reached: {why}",
    ),
    "tsa.not_rfc3161": (
        "时间戳服务 {url} 返回的不是 RFC 3161 响应",
        "the timestamp authority {url} did not answer with an RFC 3161 response",
    ),
    "tsa.refused": (
        "时间戳服务 {url} 拒绝了请求（状态 {status}）",
        "the timestamp authority {url} refused the request (status {status})",
    ),
    "tsa.wrong_imprint": (
        "来自 {url} 的时间戳令牌不是针对证据 JSON 的（消息摘要不符）",
        "the token from {url} is not over the evidence JSON (wrong message imprint)",
    ),
    "tsa.nonce": (
        "来自 {url} 的时间戳令牌与我们的请求不对应（nonce 不符）",
        "the token from {url} does not answer our request (nonce mismatch)",
    ),
    "tsa.bad_ca": (
        "{file}：不是可读取的 PEM 格式 CA 证书文件（{why}）",
        "{file}: not a readable PEM file of CA certificates ({why})",
    ),
    "profile.invalid": (
        "{origin}：无效的平台配置：{problems}",
        "{origin}: invalid profile: {problems}",
    ),
    "profile.recursive": ("{where}：递归的 YAML 别名", "{where}: recursive YAML alias"),
    "profile.expands": (
        "{where}：平台配置展开后超过 {max} 个值（YAML 别名）；请直接写出",
        "{where}: the profile expands to more than {max} values (YAML aliases); write it "
        "out plainly",
    ),
    "profile.too_big": (
        "{file}：{size} 字节；平台配置文件最多 {max} 字节",
        "{file}: {size} bytes; a profile file is at most {max} bytes",
    ),
    "profile.not_utf8": (
        "{file}：不是 UTF-8 文本；请把平台配置保存为 UTF-8",
        "{file}: not UTF-8 text; save the profile as UTF-8",
    ),
    "profile.unreadable": (
        "{file}：无法读取平台配置文件：{why}",
        "{file}: cannot read the profile file: {why}",
    ),
    "profile.syntax": ("{where} YAML 语法错误：{problem}", "{where} YAML syntax error: {problem}"),
    "profile.not_yaml": (
        "{file}：不是可读取的 YAML 平台配置（{why}）",
        "{file}: not a readable YAML profile ({why})",
    ),
    "profile.empty": ("{file}：平台配置文件为空", "{file}: the profile file is empty"),
    "profile.not_mapping": (
        "{file}:1: 平台配置必须是映射（键: 值），而不是 {kind}",
        "{file}:1: a profile must be a mapping (key: value), not a {kind}",
    ),
    "profile.absolute": (
        "{name}：平台配置不能使用绝对路径；请把它放在案件文件夹中",
        "{name}: absolute profile paths are not allowed; put the profile in the case folder",
    ),
    "profile.leaves": (
        "{name}：平台配置路径超出了案件文件夹；请把它放在案件文件夹中",
        "{name}: the profile path leaves the case folder; put the profile in the case folder",
    ),
    "profile.link_outside": (
        "{name}：是指向案件文件夹之外的链接；请把平台配置文件本身复制进来",
        "{name}: a link that points outside the case folder; copy the profile itself in",
    ),
    "profile.no_file": (
        "{name}：案件文件夹中没有这个平台配置文件",
        "{name}: no such profile file in the case folder",
    ),
    "model.case_id": (
        "案件编号须为 1-80 个字母、数字、'.'、'_' 或 '-'（它会成为文件名的一部分）",
        "case id must be 1-80 letters, digits, '.', '_' or '-' (it becomes part of file names)",
    ),
    "model.timezone": (
        "未知的时区 {zone!r}（请使用 IANA 名称，例如 Asia/Shanghai）",
        "unknown time zone {zone!r} (use an IANA name such as Asia/Shanghai)",
    ),
    "model.empty_list": (
        "列 {column!r} 的值列表为空：请至少给出一个值",
        "column {column!r} has an empty list: give at least one value",
    ),
    "model.no_evidence": (
        "请至少给出一项证据（或 proof: 部分）",
        "give at least one evidence item (or a proof: block)",
    ),
    "model.file_name": (
        "{name!r} 不是普通文件名：须为 1-64 个字母、数字、'.'、'_' 或 '-'，以字母或数字开头"
        "，不含 '..'",
        "{name!r} is not a plain file name: 1-64 letters, digits, '.', '_' or '-', "
        "starting with a letter or digit, no '..'",
    ),
    "model.timezone_plain": (
        "未知的时区（请使用 IANA 名称，例如 Asia/Shanghai）",
        "unknown time zone (use an IANA name such as Asia/Shanghai)",
    ),
    "verify.archive_outside": (
        "拒绝归档案件文件夹之外的证据文件：{path}",
        "refusing to archive a source outside the case folder: {path}",
    ),
    "verify.no_record": (
        "{path}：这里没有 *.evidence.json；请给出 evidencekit 的输出文件夹或归档",
        "{path}: no *.evidence.json here; give an evidencekit output folder or archive",
    ),
    "verify.bad_zip": (
        "{path}：不是可读取的 ZIP 归档（{why}）",
        "{path}: not a readable ZIP archive ({why})",
    ),
    "verify.no_record_in_zip": (
        "{path}：该归档中没有 dossier/*.evidence.json",
        "{path}: no dossier/*.evidence.json in this archive",
    ),
    "verify.bad_pdf": ("{path}：不是可读取的 PDF（{why}）", "{path}: not a readable PDF ({why})"),
    "verify.no_record_in_pdf": (
        "{path}：未内嵌证据清单，旁边也没有证据清单文件",
        "{path}: no evidence record embedded and no sidecar beside it",
    ),
    "verify.no_ca": ("{path}：没有这个 CA 文件（--tsa-ca）", "{path}: no such CA file (--tsa-ca)"),
    "verify.no_sources": (
        "{path}：没有这个文件夹（--sources）",
        "{path}: no such folder (--sources)",
    ),
    "verify.what": (
        "{path}：请给出输出文件夹、evidencekit 归档（.zip）或卷宗 PDF",
        "{path}: give an output folder, an evidencekit archive (.zip) or a dossier PDF",
    ),
    "verify.not_listed": ("未列在 SHA256SUMS 中", "not listed in SHA256SUMS"),
    "verify.not_json": ("不是有效的 JSON", "not valid JSON"),
    "verify.not_record": ("不是证据清单（{problem}）", "not an evidence record ({problem})"),
    "verify.disagree": ("SHA256SUMS 与 {name} 不一致", "SHA256SUMS and {name} disagree"),
    "verify.own_hash": (
        "{file}：未核验其自身的哈希（需要旁边的 {sidecar} 或归档）",
        "{file}: own hash not checked (needs the sidecar {sidecar} or the archive)",
    ),
    "verify.source_outside": ("位于案件文件夹之外的证据文件", "a source outside the case folder"),
    "verify.unsafe_name": ("不安全的名称（绝对路径或含 '..'）", "unsafe name (absolute or '..')"),
    "verify.twice": ("出现了两次", "appears twice"),
    "template.not_found": (
        "找不到模板 {name!r}；查找过：{searched}",
        "template {name!r} not found; searched: {searched}",
    ),
    "template.syntax": ("{where}：模板语法错误：{why}", "{where}: template syntax error: {why}"),
    "template.undefined": (
        "{where}：模板中有未定义的值：{why}",
        "{where}: template undefined value: {why}",
    ),
    "template.sandbox": (
        "{where}：模板被沙箱拒绝：{why}",
        "{where}: template refused by the sandbox: {why}",
    ),
    "template.error": ("{where}：模板错误：{why}", "{where}: template error: {why}"),
    # Typer's frame (cli.py): help panels, the error box, the usage line
    "typer.usage": ("用法：", "Usage: "),
    "typer.try_help": ("运行 {command} 查看帮助。", "Try {command} for help."),
    "typer.error": ("错误", "Error"),
    "typer.arguments": ("参数", "Arguments"),
    "typer.options": ("选项", "Options"),
    "typer.commands": ("命令", "Commands"),
    "typer.required": ("[必填]", "[required]"),
    "typer.default": ("[默认：{value}]", "[default: {value}]"),
    "typer.envvar": ("[环境变量：{value}]", "[env var: {value}]"),
    "typer.deprecated": ("（已弃用）", "(deprecated) "),
    "typer.aborted": ("已中止。", "Aborted."),
    "typer.help_option": ("显示本帮助并退出。", "Show this message and exit."),
    # --help texts (cli.py): matched by their English text, which stays in cli.py
    "help.root": (
        "把争议证据的 YAML 清单转为带目录、时间戳的 PDF 卷宗。",
        "Turn a YAML manifest of dispute evidence into an indexed, timestamped PDF dossier.",
    ),
    "help.version": ("显示版本。", "Show the version."),
    "help.build": (
        "先校验，再生成卷宗及其附属文件；多个案件并行生成。",
        "Validate, then render the dossier and its sidecars; several cases build in parallel.",
    ),
    "help.manifests": (
        "案件清单（case.yaml），或用 --glob 搜索的文件夹。",
        "Case manifests (case.yaml), or folders to search with --glob.",
    ),
    "help.out_dir_many": (
        "输出文件夹（多个案件：每个案件一个子文件夹）。",
        "Output folder (several cases: one sub-folder each).",
    ),
    "help.profile": ("平台配置（覆盖清单）。", "Platform profile (overrides)."),
    "help.form": (
        "平台的上传表单（默认：其争议流程首先显示的那个）。",
        "The profile's upload form (default: the one its dispute flow shows first).",
    ),
    "help.lang": ("zh-CN 或 en（覆盖清单）。", "zh-CN or en (overrides)."),
    "help.pdfa": ("写出 PDF/A-3b（经校验）。", "Write PDF/A-3b (validated)."),
    "help.embed": ("嵌入每个未遮蔽的原始文件。", "Embed every unredacted original."),
    "help.page_images": ("另外把每一页写成图片。", "Also write every page as an image."),
    "help.page_image_format": ("jpeg 或 png（页面图片）。", "jpeg or png (page images)."),
    "help.page_image_dpi": ("页面图片的分辨率。", "Page image resolution."),
    "help.archive_too": (
        "另外写出自包含的归档（ZIP）。",
        "Also write the self-contained archive (ZIP).",
    ),
    "help.tsa": (
        "RFC 3161 时间戳服务地址（需联网）。",
        "RFC 3161 time-stamping authority URL (network call).",
    ),
    "help.force": ("即使没有变化也重新生成。", "Rebuild even when nothing changed."),
    "help.unmasked": (
        "嵌入或归档已打码、已遮蔽来源的原始文件（含他人信息）。",
        "Embed/archive raw originals of masked or redacted sources (others' data).",
    ),
    "help.unmasked_archive": (
        "归档已打码、已遮蔽来源的原始文件（含他人信息）。",
        "Archive raw originals of masked or redacted sources (others' data).",
    ),
    "help.jobs": (
        "同时生成的案件数（默认：CPU 核数）。",
        "Cases built at once (default: the core count).",
    ),
    "help.glob": ("在文件夹参数中查找清单的模式。", "Manifests to find in a folder argument."),
    "help.register": (
        "案件登记簿：SQLite 文件或 postgresql:// URL（'off'：不登记）。默认：用户数据文件夹中的 "
        "register.sqlite。",
        "Case register: an SQLite file or a postgresql:// URL ('off': none). Default: "
        "register.sqlite in the user's data folder.",
    ),
    "help.keep_archive": (
        "把归档复制到登记簿的存储中（按内容寻址）。",
        "Copy the archive into the register's storage (content-addressed).",
    ),
    "help.ocr": (
        "识别截图和照片中的文字（离线 OCR）：文字、打码。",
        "Read screenshots and photos (offline OCR): text, masks.",
    ),
    "help.quiet": ("不显示进度。", "No progress."),
    "help.json_rows": (
        "每个案件一行 JSON，代替表格。",
        "One JSON row per case instead of the table.",
    ),
    "help.archive": (
        "先生成，再为接收方写出一个自包含、可复现的归档（ZIP）。",
        "Build, then write one self-contained, deterministic archive (ZIP) for the recipient.",
    ),
    "help.manifest": ("案件清单（case.yaml）。", "The case manifest (case.yaml)."),
    "help.out_dir": ("输出文件夹。", "Output folder."),
    "help.keep": (
        "在登记簿的存储中保留一份副本（按内容寻址，从不覆盖）。",
        "Keep a copy in the register's storage (content-addressed, never overwritten).",
    ),
    "help.verify": (
        "按记录的哈希重新核验每个输出和原始文件；有任何不符则以 1 退出。",
        "Re-hash every output and source against the recorded hashes; exit 1 on any mismatch.",
    ),
    "help.verify_path": (
        "输出文件夹、归档（.zip）或卷宗 PDF。",
        "Output folder, archive (.zip) or dossier PDF.",
    ),
    "help.sources": (
        "存放原始证据的文件夹（案件文件夹）。",
        "Folder holding the original sources (the case folder).",
    ),
    "help.tsa_ca": (
        "用于核验时间戳的 CA 证书（PEM）。",
        "CA certificates (PEM) to check timestamp tokens.",
    ),
    "help.json": ("机器可读的输出。", "Machine-readable output."),
    "help.validate": (
        "一次报告清单中的所有问题；有错误则以 1 退出。",
        "Report every problem in the manifest at once; exit 1 on errors.",
    ),
    "help.validate_ocr": (
        "同时核对截图中显示的内容（OCR）。",
        "Also cross-check what screenshots show (OCR).",
    ),
    "help.schema": (
        "输出清单的 JSON Schema（让 `# yaml-language-server: $schema=` 指向它）。",
        "Print the manifest's JSON Schema (point `# yaml-language-server: $schema=` at it).",
    ),
    "help.profiles": (
        "列出各平台配置及其限制，或显示一个配置及其出处和表单。",
        "List the platform profiles and their limits, or show one with sources and forms.",
    ),
    "help.profiles_name": ("只显示这一个配置。", "Show one profile."),
    "help.profiles_json": (
        "以数据形式输出该配置（或全部配置）。",
        "Print the profile (or all profiles) as data.",
    ),
    "help.init": (
        "为一个平台创建案件文件夹，附带带注释的 case.yaml。",
        "Scaffold a case folder with a commented case.yaml for one platform.",
    ),
    "help.init_folder": ("要创建的案件文件夹。", "The case folder to create."),
    "help.init_profile": (
        "平台配置（见 `evidencekit profiles`）。",
        "Platform profile (see `evidencekit profiles`).",
    ),
    "help.cases": (
        "案件登记簿：哪些案件即将到期、已提交、成功或失败；搜索与核验。",
        "The case register: what is due, what was submitted, won or lost; search and verify.",
    ),
    "help.cases_list": (
        "列出已登记的案件，最近的期限在前。",
        "List the registered cases, the nearest deadline first.",
    ),
    "help.status_only": ("只列出此状态（可重复）。", "Only this status (repeatable)."),
    "help.platform_only": ("只列出此平台配置，例如 taobao。", "Only this profile, e.g. taobao."),
    "help.due_only": (
        "只列出在这么多天内到期的未结案件。",
        "Only open cases due within this many days.",
    ),
    "help.text_only": ("只列出包含此内容的案件。", "Only cases holding this."),
    "help.cases_due": (
        "需要尽快答复的：按期限排列的未结案件，已逾期的在前。",
        "What must be answered soon: open cases by deadline, overdue ones first.",
    ),
    "help.due_days": ("这么多天内的期限。", "Deadlines within this many days."),
    "help.cases_search": (
        "在标题、主张、陈述、当事人、订单号和运单号中全文搜索。",
        "Full-text search over titles, claims, statements, parties, order ids and waybills.",
    ),
    "help.query": ("词语、订单号、运单号、名称……", "Words, an order id, a waybill, a name …"),
    "help.limit": ("最多显示的结果数。", "Most results shown."),
    "help.cases_show": (
        "一个案件：事实、状态记录、生成记录、输出、归档及其核验状态。",
        "One case: facts, status history, builds, outputs, archives and their verify state.",
    ),
    "help.case_id": ("案件编号。", "The case id."),
    "help.cases_mark": (
        "记录案件的结果：已提交、成功、失败或已撤回（保留历史）。",
        "Record what happened to a case: submitted, won, lost or withdrawn (history kept).",
    ),
    "help.mark_note": ("原因，或平台的答复。", "Why, or what the platform said."),
    "help.cases_export": (
        "每个案件一行（CSV，或加 --json 输出 JSON），用于表格或报告。",
        "Every case as one row (CSV, or JSON with --json), for a spreadsheet or a report.",
    ),
    "help.csv": ("CSV（默认）。", "CSV (the default)."),
    "help.export_output": ("写到这里，而不是标准输出。", "Write here instead of stdout."),
    "help.cases_verify": (
        "重新核验保存的归档（先核验归档自身的哈希，再核验其中每个哈希）；有不符则以 1 退出。",
        "Re-verify kept archives (their own hash, then every hash inside); exit 1 on a mismatch.",
    ),
    "help.all_archives": ("每个保存的归档。", "Every kept archive."),
    "help.case_archives": ("只核验此案件的归档。", "Only this case's archives."),
    "help.cases_stats": (
        "按争议原因和平台统计的成功率（成功 / (成功 + 失败)）。",
        "Win rates by dispute reason and by platform (won / (won + lost)).",
    ),
    # Typer's own usage errors
    "usage.no_such_option": ("没有 {option} 选项{more}", "No such option: {option}{more}"),
    "usage.possible": ("（可用选项：{names}）", " (Possible options: {names})"),
    "usage.missing_argument": ("缺少参数 {name}。", "Missing argument {name}."),
    "usage.missing_option": ("缺少选项 {name}。", "Missing option {name}."),
    "usage.bad_value": ("{name} 的值无效：{why}", "Invalid value for {name}: {why}"),
    "usage.needs_value": ("选项 {option} 需要一个值。", "Option '{option}' requires an argument."),
    "usage.no_such_command": ("没有命令 {name!r}。{more}", "No such command {name!r}.{more}"),
    "usage.extra_args": ("多余的参数（{args}）", "Got unexpected extra arguments ({args})"),
    "usage.other": ("用法错误：{text}", "Usage error: {text}"),
    "pages.bad_part": (
        "{part!r} 不是页码，也不是 1-3 这样的范围",
        "{part!r} is not a page or a range like 1-3",
    ),
    "pages.bad_range": ("{part!r} 不是有效的页码范围", "{part!r} is not a valid range"),
    "pages.no_page": (
        "第 {page} 页不存在：该 PDF 共 {count} 页",
        "page {page} does not exist: the PDF has {count} pages",
    ),
    "template.bad_name": (
        "拒绝模板名 {name!r}：只能是模板文件夹内的普通文件名",
        "template name {name!r} refused: only plain names inside the templates folder",
    ),
    "template.outside": (
        "拒绝模板 {name!r}：它的文件位于案件文件夹之外",
        "template {name!r} refused: its file lies outside the case folder",
    ),
    "template.not_utf8": (
        "模板 {name!r} 无法作为 UTF-8 文本读取：{why}",
        "template {name!r} cannot be read as UTF-8 text: {why}",
    ),
    "pages.none": ("没有选中任何页", "no pages selected"),
    "limit.file_bytes": ("文件大小", "file size"),
    "limit.total_bytes": ("总大小", "total size"),
    "limit.image_bytes": ("图片大小", "image size"),
    "limit.pages_per_file": ("页数", "pages"),
    "limit.pages_total": ("总页数", "pages in all"),
    "limit.files": ("文件数", "files"),
    "limit.mb": (
        "{actual:.2f} MB，上限 {allowed:.2f} MB",
        "{actual:.2f} MB, limit {allowed:.2f} MB",
    ),
    "limit.count": ("{actual}，上限 {allowed}", "{actual}, limit {allowed}"),
    "limit.violation": ("{profile}：{what} {amount}{where}", "{profile}: {what} {amount}{where}"),
    "limit.suggestions": (
        "裁剪或删去最大的照片，只保留能证明要点的截图，长 PDF 只收录相关页（`pages:`），或"
        "拆分案件；`evidencekit profiles {profile}` 可查看各项上限",
        "crop or drop the largest photos, keep only the screenshots that prove the point, "
        "include only the relevant pages of long PDFs (`pages:`), or split the case; "
        "`evidencekit profiles {profile}` shows the limits",
    ),
    "build.no_harfbuzz": (
        "缺少 libharfbuzz-subset：字体子集化退回使用 fontTools，含中文的页面生成速度慢 "
        "5-10 倍、内存占用翻倍；请安装 libharfbuzz-subset0",
        "libharfbuzz-subset is missing: font subsetting falls back to fontTools and CJK "
        "pages render 5-10x slower with 2x the memory; install libharfbuzz-subset0",
    ),
    "build.bad_epoch": (
        "SOURCE_DATE_EPOCH 必须是自 1970 年起的整秒数，而不是 {epoch!r}",
        "SOURCE_DATE_EPOCH must be whole seconds since 1970, not {epoch!r}",
    ),
    "build.unmasked": (
        "--include-unmasked-originals：{n} 个已打码或遮盖的证据文件将以原件形式提交，包含卷"
        "宗中隐去的个人信息",
        "--include-unmasked-originals: {n} masked or redacted source(s) leave as raw "
        "originals, with the personal data the dossier hides",
    ),
    "build.changed": (
        "生成卷宗期间该文件被修改了；请重新生成",
        "the file changed while the dossier was being built; build again",
    ),
    "build.no_cjk_font": (
        "卷宗含有中文，但未安装中文字体；请安装 fonts-noto-cjk（Debian/Ubuntu），以免文字显"
        "示为空白方框",
        "the dossier contains Chinese text but no CJK font is installed; install "
        "fonts-noto-cjk (Debian/Ubuntu) so nothing shows as empty boxes",
    ),
    "build.refused_url": (
        "渲染时拒绝加载 {url!r}（只加载本次生成自己的文件）",
        "the renderer was refused {url!r} (only the build's own files load)",
    ),
    "build.not_pdfa": (
        "卷宗未通过 PDF/A-3b 校验：{findings}；收录的 PDF 可能使用了未嵌入的字体或 PDF/A 禁"
        "止的透明效果",
        "the dossier does not pass the PDF/A-3b validator: {findings}; an included PDF may "
        "use fonts that are not embedded or transparency PDF/A forbids",
    ),
    "ocr.multipage_skipped": (
        "OCR 只读取单张图片：{files}（多页）未读取，因此不可搜索、也未打码；"
        "请用 redact: 框标出要遮盖的内容",
        "OCR reads single images only: {files} (multi-page) not read, so not searchable and not "
        "masked; mark secrets with redact: boxes",
    ),
    "ocr.misfiled": (
        "{location}：{file} 归在订单 {filed} 下，但图中显示的是订单 {shown}（OCR 识别）；"
        "请核对它是否放对了位置",
        "{location}: {file} is filed under order {filed} but shows order {shown} (read by OCR); "
        "check it belongs here",
    ),
    "ocr.unmasked": (
        "case.privacy 只对表格和聊天记录打码：{n} 张图片未打码（{shown}{more}）；"
        "用 --ocr（或 output.ocr: true）构建，才能把它们从图片中抹去",
        "case.privacy masks tables and transcripts only: {n} image(s) stay unmasked "
        "({shown}{more}); build with --ocr (or output.ocr: true) to burn them out of the images "
        "too",
    ),
    "ocr.no_engine": (
        "文字识别需要 rapidocr_onnxruntime 软件包；请重新安装 evidencekit",
        "OCR needs the rapidocr_onnxruntime package; reinstall evidencekit",
    ),
    "ocr.failed": (
        "文字识别无法处理这张图片（{why}）；请不用 --ocr 生成",
        "OCR failed on this image ({why}); build without --ocr",
    ),
    "ocr.more": ("，另有 {n} 张", " and {n} more"),
    "forecast.head": (
        "预估：约 {pages} 页，{mb:.1f} MB",
        "forecast: about {pages} pages, {mb:.1f} MB",
    ),
    "forecast.cannot_fit": (
        "{head}；即使图片压到最小（{smallest:.1f} MB）也很可能超出 {profile} 的 {cap:.2f} MB 上限："
        "构建会以退出码 3 结束。最大的证据：{top}",
        "{head}; the {profile} limit of {cap:.2f} MB will likely not be met even with the "
        "smallest images ({smallest:.1f} MB): the build would exit 3. The largest exhibits: {top}",
    ),
    "forecast.shrink": (
        "{head}；按原图质量超出 {profile} 的 {cap:.2f} MB 上限：构建会压缩图片（最小一步约 "
        "{smallest:.1f} MB）。最大的证据：{top}",
        "{head}; over the {profile} limit of {cap:.2f} MB at full image quality: the build will "
        "shrink images (about {smallest:.1f} MB at the smallest step). The largest exhibits: {top}",
    ),
    "forecast.field_pages": (
        "{head}；{name} 文件约有 {pages} 页，上限 {limit} 页：构建会以退出码 3 结束",
        "{head}; the {name} file would have about {pages} pages, limit {limit}: the build would "
        "exit 3",
    ),
    "limit.after_last": ("（已用到最后一步）", " after the last step"),
    "limit.biggest": ("；最大的证据：{names}", "; the largest exhibits: {names}"),
    "limit.cannot_fit": (
        "{figures}{after}{biggest}\n    提示：{hint}",
        "{figures}{after}{biggest}\n    hint: {hint}",
    ),
    "limit.sheets": (
        "{profile}：{pages} 页最多放在 {files} 张图片上，即每张图片 {per_sheet} 页、每页 "
        "{dpi} dpi（看清文字需要 {need} dpi，小了 {factor:.1f} 倍）；最多能放 {fit} "
        "页（多出 {over} 页）\n    提示：{hint}",
        "{profile}: {pages} pages on at most {files} images means {per_sheet} pages per "
        "image, at {dpi} dpi each ({need} dpi needed to read the text, {factor:.1f}x too "
        "small); at most {fit} pages fit ({over} too many)\n    hint: {hint}",
    ),
    "limit.sheet_dpi": (
        "{profile}：{name} 含 {batch} 页；为控制在 {mb:.2f} MB 以内，清晰度降到 {dpi:.0f} "
        "dpi（看清文字需要 {need} dpi，小了 {factor:.1f} 倍）\n    提示：{hint}",
        "{profile}: {name} holds {batch} page(s); to fit {mb:.2f} MB they drop to {dpi:.0f}"
        " dpi ({need} dpi needed to read the text, {factor:.1f}x too small)\n    hint: "
        "{hint}",
    ),
    "limit.volume_cap": (
        "{profile}：{pages} 页，上限 {cap} 页（{file}）；每卷上限 {cap} 页太小，无法分卷（"
        "每卷都需要自己的目录页）",
        "{profile}: pages {pages}, limit {cap} ({file}); a cap of {cap} pages is too small "
        "to split into volumes (each needs its own index page)",
    ),
    "pdf.fonts_not_embedded": (
        "该 PDF 使用了未嵌入的字体（{fonts}），PDF/A 不允许，且没有标准替代字体；请重新导出"
        "并嵌入字体（或打印为 PDF），或不用 --pdfa 生成",
        "the PDF uses fonts it does not embed ({fonts}), which PDF/A forbids and which "
        "have no standard substitute; re-export it with fonts embedded (or print it to "
        "PDF), or build without --pdfa",
    ),
    # evidencekit profiles: table headings
    "profiles.setting": ("设置", "setting"),
    "profiles.value": ("值", "value"),
    "profiles.source": ("出处（核对日期）", "source (checked)"),
    "profiles.profile": ("配置", "profile"),
    "profiles.title": ("名称", "title"),
    "profiles.paper": ("纸张", "paper"),
    "profiles.language": ("语言", "language"),
    "profiles.formats": ("格式", "formats"),
    "profiles.output": ("输出", "output"),
    "profiles.limits": ("限制", "limits"),
    # build stages (progress bars and the summary's time line)
    "stage.load": ("读取", "load"),
    "stage.collect": ("收集", "collect"),
    "stage.hash": ("计算哈希", "hash"),
    "stage.images": ("处理图片", "images"),
    "stage.render": ("排版", "render"),
    "stage.postprocess": ("后处理", "postprocess"),
    "stage.write": ("写入", "write"),
    # batch builds (cli.py)
    "batch.case": ("案件", "case"),
    "batch.profile": ("平台配置", "profile"),
    "batch.pages": ("页数", "pages"),
    "batch.size": ("大小", "size"),
    "batch.time": ("用时", "time"),
    "batch.warnings": ("警告", "warnings"),
    "batch.status": ("状态", "status"),
    "batch.built": ("已生成", "built"),
    "batch.up_to_date": ("已是最新", "up to date"),
    "batch.failed": ("失败（{code}）", "failed ({code})"),
    "batch.done": ("完成", "done"),
    "batch.waiting": ("等待中", "waiting"),
    "batch.retrying": ("单独重试", "retrying alone"),
    "batch.verdict": ("{total} 个案件中 {ok} 个已生成", "{ok} of {total} case(s) built"),
    "batch.internal": ("内部错误：{error}", "internal error: {error}"),
    "batch.worker_died": (
        "生成此案件的工作进程意外退出（被终止、内存不足或程序库崩溃）；请单独生成它以查看详情",
        "the worker process died while building this case (killed, out of memory, or a crash "
        "in a library); build it alone to see more",
    ),
    "batch.not_recorded": (
        "{problem}；案件照常生成，但未登记",
        "{problem}; cases are built but not recorded",
    ),
    "batch.same_folder_names": (
        "-o：有几个案件位于同名文件夹（{names}）中；请不用 -o 分别生成（各自写入自己的 out/），"
        "或重命名这些文件夹",
        "-o: several cases live in folders named {names}; build them without -o (each into its "
        "own out/) or rename the folders",
    ),
    "batch.no_manifest": (
        "{folder}：没有与 {pattern!r} 匹配的清单",
        "{folder}: no manifest matches {pattern!r}",
    ),
    "stage.ocr": ("文字识别", "ocr"),
    "stage.register": ("登记", "register"),
    "stage.up to date": ("检查是否最新", "up to date"),
    "stage.reencode": ("重新编码（第 {n} 步）", "re-encode (fit step {n})"),
    "verify.unreadable": ("无法读取（{why}）", "unreadable ({why})"),
    "verify.not_plain": ("不是普通的相对文件名", "not a plain relative name"),
    "verify.too_large": ("超过 {cap:,} 字节", "larger than {cap:,} bytes"),
    "verify.link_out": ("指向文件夹之外的链接", "a link out of the folder"),
    "verify.zip_bomb": (
        "声明由 {stored:,} 字节解压为 {size:,} 字节：拒绝",
        "declared {size:,} bytes from {stored:,}: refused",
    ),
    "verify.empty": ("为空", "empty"),
    "verify.sums_line": ("SHA256SUMS 第 {n} 行", "SHA256SUMS line {n}"),
    "verify.bad_line": ("格式不是 '<sha256>  <文件名>'", "not '<sha256>  <file name>'"),
    "verify.listed_twice": ("{name} 列出了两次", "{name} listed twice"),
    "verify.pdf_unreadable": ("无法读取该 PDF（{why}）", "the PDF cannot be read ({why})"),
    "verify.pdf_no_record": ("该 PDF 未内嵌证据清单", "the PDF carries no evidence record"),
    "yamlp.block_mapping": ("解析映射（键: 值）时", "while parsing a block mapping"),
    "yamlp.block_collection": ("解析列表时", "while parsing a block collection"),
    "yamlp.flow_sequence": ("解析 [...] 列表时", "while parsing a flow sequence"),
    "yamlp.flow_mapping": ("解析 {{...}} 映射时", "while parsing a flow mapping"),
    "yamlp.quoted": ("读取引号内的文本时", "while scanning a quoted scalar"),
    "yamlp.simple_key": ("读取键时", "while scanning a simple key"),
    "yamlp.next_token": ("读取下一个记号时", "while scanning for the next token"),
    "yamlp.mapping_values": (
        "此处不能出现“键: 值”（冒号后面少了空格，或值里的冒号需要加引号）",
        "mapping values are not allowed here",
    ),
    "yamlp.no_colon": ("找不到应有的 ':'", "could not find expected ':'"),
    "yamlp.end": ("文件意外结束", "found unexpected end of stream"),
    "yamlp.no_key": ("找不到应有的键", "did not find expected key"),
    "yamlp.no_dash": ("找不到应有的 '-'", "did not find expected '-' indicator"),
    "yamlp.block_end": (
        "缩进不一致：此处出现了 {found}",
        "expected <block end>, but found {found}",
    ),
    "yamlp.expected_got": (
        "应为 {expected}，却遇到 {found}",
        "expected {expected}, but got {found}",
    ),
    "yamlp.bad_char": (
        "字符 {char} 不能出现在这里",
        "found character {char} that cannot start any token",
    ),
    "yamlp.alias": ("未定义的别名 {name}", "found undefined alias {name}"),
    "yamlp.in": ("{context}，{problem}", "{context} {problem}"),
    "internal.naive_time": (
        "内部错误：{what} 为 {value!r}，是越过清单校验的无时区时间（时间必须在进入处带上时区）",
        "internal error: {what} is {value!r}, a time without an offset past the manifest "
        "(times must be made aware where they enter)",
    ),
    "internal.time_range": (
        "内部错误：{what} 为 {value!r}，超出范围",
        "internal error: {what} is {value!r}, out of range",
    ),
    "internal.naive_times": (
        "内部错误：{what} 含有无时区的时间（{paths}）；只有校验后的清单才能进入后续阶段",
        "internal error: {what} holds times without an offset ({paths}); only a resolved "
        "manifest may reach the later stages",
    ),
}
