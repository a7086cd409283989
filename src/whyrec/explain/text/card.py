"""The words of an explanation card (``whyrec explain``) in each language: every line, not only the reason.

The CLI fills these format strings; what goes in (titles, ids, numbers) comes from the explanation.
"""

from __future__ import annotations

from dataclasses import dataclass

from whyrec.explain.explanation import Evidence, EvidenceKind, FieldAttribution, Lang
from whyrec.explain.text.realize import TEMPLATES, attribute_counts, kg_parts

__all__ = ["CARD_WORDS", "CardWords", "attribute_name", "attribute_value", "evidence_label", "field_label"]


@dataclass(frozen=True)
class CardWords:
    """Format strings of one language's card.

    Attributes:
        header_user: the first line for a known user (``{model} {n} {user} {events} {method}``).
        header_new: the same for a new shopper's history (``{model} {n} {events} {method}``).
        item: an item's title line (``{rank} {title} {item_id} {score}``).
        llm_kept: the reason was written by the LLM (``{llm}``).
        llm_rejected: the LLM's text was rejected (``{llm} {why}``).
        counts_against: appended to the label of evidence that lowers the score.
        removed_sep: between the removed items of a counterfactual.
        cf_label: the counterfactual line's label.
        cf_retrained: verified by refitting (``{removed} {k} {rank}``).
        cf_rescored: verified by re-scoring the same weights (``{removed} {k} {rank}``).
        cf_unranked: the ``{rank}`` text when the item can no longer be ranked.
        cf_rank: the ``{rank}`` text otherwise (``{rank}``).
        cf_unverified: no set was verified (``{size} {removed}``).
        trust_label: the trust line's label.
        uncalibrated: no calibration (``{run_dir}``).
        confidence: the calibrated confidence (``{confidence} {horizon}``).
        strength: the evidence strength (``{strength}``).
        strength_against: added when the strength exceeds 100% (other evidence counts against the item).
        verified: ``counterfactual verified: ...`` (``{how}``).
        how: by ``Counterfactual.verified`` value ("retrained", "rescored", "no", "not asked").
        trust_sep: between the parts of the trust line.
        list_line: the list's trust (``{diversity} {novelty} {popular} {share} {min_users}``).
        diversity_by: diversity measured on an attribute (``{value} {attribute}``).
        fallback: the list fell back to popularity (``{reason}``).
        attribute_label: an attribute evidence row (``{attribute} {value} {count} {total}``).
        attribute_plain: the same without counts (``{attribute} {value}``).
        popularity_label: a popularity evidence row (``{count}``).
        kg_label: a knowledge-graph evidence row (``{relation} {entity} {title}``).
        field_item: DeepFM's item-id field (``{item_id}``).
        field_user: a user-attribute field (``{attribute} {value}``).
        field_history: the history field (``{count}``).
        field_unknown: the value of a field the shopper has none for.
        value_sep: between the values of one attribute.
    """

    header_user: str
    header_new: str
    item: str
    llm_kept: str
    llm_rejected: str
    counts_against: str
    removed_sep: str
    cf_label: str
    cf_retrained: str
    cf_rescored: str
    cf_unranked: str
    cf_rank: str
    cf_unverified: str
    trust_label: str
    uncalibrated: str
    confidence: str
    strength: str
    strength_against: str
    verified: str
    how: dict[str, str]
    trust_sep: str
    list_line: str
    diversity_by: str
    fallback: str
    attribute_label: str
    attribute_plain: str
    popularity_label: str
    kg_label: str
    field_item: str
    field_user: str
    field_history: str
    field_unknown: str
    value_sep: str


EN = CardWords(
    header_user="{model}: why these {n} items for user {user} ({events} events; method: {method})",
    header_new="{model}: why these {n} items for a new shopper ({events} items; method: {method})",
    item="{rank:>2}. {title} (item {item_id}, score {score:.4f})",
    llm_kept="written by {llm}, checked by the guard",
    llm_rejected="template: {llm}'s text was rejected ({why})",
    counts_against=" (counts against)",
    removed_sep=", ",
    cf_label="counterfactual:",
    cf_retrained="without {removed} it falls out of your top {k} ({rank}; verified by refitting the model without "
                 "those interactions)",
    cf_rescored="without {removed} this model no longer ranks it in your top {k} ({rank}; checked by re-scoring "
                "with the same weights, not by retraining)",
    cf_unranked="no longer ranked",
    cf_rank="to rank {rank}",
    cf_unverified="no set of up to {size} history items takes it out of the list (tried {removed}); not claimed",
    trust_label="trust:",
    uncalibrated="confidence not calibrated (run `whyrec calibrate {run_dir}`)",
    confidence="confidence {confidence:.0%} (relevant within the next {horizon} picks)",
    strength="evidence strength {strength:.0%} (the top 3 supporting shares above, added up)",
    strength_against=", more than the score: other evidence counts against it",
    verified="counterfactual verified: {how}",
    how={"retrained": "by retraining", "rescored": "by re-scoring (same weights)", "no": "no",
         "not asked": "not asked"},
    trust_sep="; ",
    list_line="list: diversity {diversity}; novelty {novelty:.2f} bits; popular items {popular:.0%} (popular = top "
              "{share:.0%} of items, at least {min_users} users)",
    diversity_by="{value:.2f} (by {attribute})",
    fallback="fallback: popularity ({reason})",
    attribute_label="{attribute}: {value} ({count} of your {total} items)",
    attribute_plain="{attribute}: {value}",
    popularity_label="{count:,} shoppers interacted with it",
    kg_label="same {relation} ({entity}) as {title}",
    field_item="this product itself ({item_id})",
    field_user="your {attribute}: {value}",
    field_history="your {count} past items as a whole",
    field_unknown="unknown",
    value_sep=", ",
)

ZH = CardWords(
    header_user="{model}：为用户 {user} 推荐这 {n} 项的原因（{events} 条记录；方法：{method}）",
    header_new="{model}：为新用户推荐这 {n} 项的原因（{events} 项记录；方法：{method}）",
    item="{rank:>2}. {title}（编号 {item_id}，分数 {score:.4f}）",
    llm_kept="由 {llm} 改写，已通过校验",
    llm_rejected="模板：{llm} 的文本未通过校验（{why}）",
    counts_against="（对它不利）",
    removed_sep="、",
    cf_label="反事实：",
    cf_retrained="如果没有{removed}，它会跌出你的前 {k} 名（{rank}；已在去掉这些记录后重新训练模型验证）",
    cf_rescored=("如果没有{removed}，这个模型不会再把它排进你的前 {k} 名"
                 "（{rank}；用同一组权重重新打分验证，未重新训练）"),
    cf_unranked="不再参与排名",
    cf_rank="降到第 {rank} 名",
    cf_unverified="去掉最多 {size} 项记录也无法让它离开列表（试过{removed}）；不作声明",
    trust_label="可信度：",
    uncalibrated="置信度未校准（运行 `whyrec calibrate {run_dir}`）",
    confidence="置信度 {confidence:.0%}（在接下来的 {horizon} 次选择内相关）",
    strength="证据强度 {strength:.0%}（上面前 3 条支持证据的占比之和）",
    strength_against="，超过分数本身：其他证据对它不利",
    verified="反事实已验证：{how}",
    how={"retrained": "重新训练", "rescored": "重新打分（同一组权重）", "no": "否", "not asked": "未要求"},
    trust_sep="；",
    list_line="列表：多样性 {diversity}；新颖度 {novelty:.2f} 比特；热门项目占 {popular:.0%}（热门 = 按用户数排名前 "
              "{share:.0%} 的项目，至少 {min_users} 位用户）",
    diversity_by="{value:.2f}（按 {attribute}）",
    fallback="回退：按热度推荐（{reason}）",
    attribute_label="{attribute}：{value}（你的 {total} 项记录中有 {count} 项）",
    attribute_plain="{attribute}：{value}",
    popularity_label="{count:,} 位用户与它有过互动",
    kg_label="与《{title}》有相同的{relation}（{entity}）",
    field_item="商品本身（{item_id}）",
    field_user="你的{attribute}：{value}",
    field_history="你过去的 {count} 项记录整体",
    field_unknown="未知",
    value_sep="、",
)

CARD_WORDS: dict[Lang, CardWords] = {Lang.EN: EN, Lang.ZH: ZH}
"""The card words of each language."""


#: Chinese names of catalog and user columns the reason templates do not name.
_NAMES_ZH = {"year": "年份", "platform": "平台", "price": "价格", "gender": "性别", "age_band": "年龄段",
             "age": "年龄", "occupation": "职业", "zip_code": "邮编"}
#: Chinese values of user columns (the templates translate catalog values).
_USER_VALUES_ZH = {"gender": {"M": "男", "F": "女"}, "age_band": {"under 18": "18 岁以下"}}


def attribute_name(attribute: str, lang: Lang) -> str:
    """An attribute's display name in `lang` (the column name where none is known)."""
    if lang == Lang.EN:
        return attribute
    return TEMPLATES[lang].attributes.get(attribute, _NAMES_ZH.get(attribute, attribute))


def attribute_value(attribute: str, value: str, lang: Lang) -> str:
    """A catalog or user attribute's value in `lang` (as it is where no translation is known)."""
    if lang == Lang.EN:
        return value
    return _USER_VALUES_ZH.get(attribute, {}).get(value) or TEMPLATES[lang].values.get(value, value)


def field_label(field: FieldAttribution, lang: Lang) -> str:
    """The label of one of DeepFM's fields in `lang`: ``category: Comedy``, ``your gender: M``..."""
    words = CARD_WORDS[lang]
    side, _, name = field.field.partition(":")
    shown = words.value_sep.join(attribute_value(name, v, lang) for v in field.values) or words.field_unknown
    if side == "item" and name:
        return words.attribute_plain.format(attribute=attribute_name(name, lang), value=shown)
    if side == "user":
        return words.field_user.format(attribute=attribute_name(name, lang), value=shown)
    if field.field == "item":
        return words.field_item.format(item_id=shown)
    return words.field_history.format(count=shown)


def evidence_label(evidence: Evidence, lang: Lang) -> str:
    """The label of an evidence row in `lang`: titles as they are, attributes and popularity in its words."""
    words = CARD_WORDS[lang]
    if evidence.kind == EvidenceKind.ATTRIBUTE and "=" in evidence.ref:
        attribute, _, value = evidence.ref.partition("=")
        shown = TEMPLATES[lang].values.get(value, value) if lang != Lang.EN else value
        counts = attribute_counts(evidence)
        if counts is None:
            return words.attribute_plain.format(attribute=attribute_name(attribute, lang), value=shown)
        return words.attribute_label.format(attribute=attribute_name(attribute, lang), value=shown, count=counts[0],
                                            total=counts[1])
    if evidence.kind == EvidenceKind.KG_PATH and (parts := kg_parts(evidence)) is not None and " as " in evidence.label:
        _, relation, entity, _ = parts
        shown = TEMPLATES[lang].relations.get(relation, relation) if lang != Lang.EN else relation
        return words.kg_label.format(relation=shown, entity=entity, title=evidence.label.split(" as ", 1)[1])
    if evidence.kind == EvidenceKind.POPULARITY:
        return words.popularity_label.format(count=int(evidence.weight))
    return evidence.label
