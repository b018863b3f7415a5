"""Labelled fields and the translation of validation errors into field-level bilingual messages."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from storage.errors import StewardError


def labelled(zh: str, en: str, default: Any = ..., *, choices: dict[str, tuple[str, str]] | None = None, **kw) -> Any:
    """A field with its zh/en label; a field of fixed values names each (``choices``), so no code reaches a page."""
    extra: dict[str, Any] = {"zh": zh, "en": en}
    if choices:
        extra["choices"] = {k: list(v) for k, v in choices.items()}
    return Field(default, json_schema_extra=extra, **kw)


def choices_of(model: type[BaseModel], name: str) -> dict[str, tuple[str, str]]:
    info = model.model_fields.get(name)
    extra = (info.json_schema_extra or {}) if info else {}
    return {k: (v[0], v[1]) for k, v in extra.get("choices", {}).items()}


def label_of(model: type[BaseModel], name: str) -> tuple[str, str]:
    info = model.model_fields.get(name)
    extra = (info.json_schema_extra or {}) if info else {}
    return extra.get("zh", name), extra.get("en", name)


_ZH = {
    "missing": "必填",
    "string_pattern_mismatch": "格式不正确",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "float_parsing": "必须是数字",
    "bool_parsing": "必须是 是/否 (true/false)",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "extra_forbidden": "不是可填写的字段",
}


def from_validation(exc: ValidationError, model: type[BaseModel], what_zh: str, what_en: str) -> StewardError:
    details = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else ""
        zh_label, en_label = label_of(model, name)
        ctx = err.get("ctx") or {}
        zh_msg = _ZH.get(err["type"], "无效")
        if err["type"] == "enum" and "expected" in ctx:
            zh_msg += f"，可选：{ctx['expected']}"
        if err["type"].startswith(("greater", "less")):
            bound = next(iter(ctx.values()), "")
            zh_msg += f"（界限 {bound}）"
        en_msg = err["msg"]
        if err["type"] == "value_error":  # our validators raise "中文 / English"
            zh_msg, _, en_msg = str(ctx.get("error", err["msg"])).partition(" / ")
            en_msg = en_msg or zh_msg
        details.append({"field": name, "zh": f"{zh_label}：{zh_msg}", "en": f"{en_label}: {en_msg}"})
    zh = f"{what_zh}填写有误：" + "；".join(d["zh"] for d in details)
    en = f"{what_en} is invalid: " + "; ".join(d["en"] for d in details)
    return StewardError("invalid_input", zh, en, field=details[0]["field"] if details else None,
                        details=details)
