"""Grounded generation: the model writes slot markers, whyrec writes the titles and values."""

from __future__ import annotations

import json

import pytest

from whyrec.data import Dataset
from whyrec.explain import Evidence, EvidenceKind, ExplainMethod, Explanation, Lang, TextSource
from whyrec.explain.text import Domain, realize
from whyrec.llm import FaithfulnessGuard, llm_reason
from whyrec.llm.claims import ClaimKind, find_claims
from whyrec.llm.labelled import games_dataset
from whyrec.llm.slots import SLOT_SCHEMA, VERBS, evidence_slots, fill, slot_messages

from tests.llm.conftest import Reply, ScriptedServer, completion_body
from tests.llm.test_prompt import star_wars
from tests.llm.test_rewrite import client_for


def test_slots_bind_attributes_to_their_items_and_skip_negative_evidence(ml100k: Dataset) -> None:
    slots = {s.marker: s.value for s in evidence_slots(star_wars(), ml100k.catalog, Lang.EN)}
    assert slots["REC"] == '"Star Wars"' and slots["H1"] == '"Return of the Jedi"'
    assert slots["REC.category"] == "Action" and slots["H1.category"] == "Action" and slots["RANK"] == "1"
    assert "H2" not in slots  # Fargo weighs against the recommendation
    zh = {s.marker: s.value for s in evidence_slots(star_wars(), ml100k.catalog, Lang.ZH)}
    assert zh["REC"] == "《Star Wars》" and zh["REC.category"] == "动作片"


def test_the_model_never_sees_a_title(ml100k: Dataset) -> None:
    slots = evidence_slots(star_wars(), ml100k.catalog, Lang.EN)
    chat = " ".join(m.content for m in slot_messages(slots, Lang.EN, verb="watched"))
    assert "[REC]" in chat and "[H1]" in chat
    assert "Star Wars" not in chat and "Return of the Jedi" not in chat and "Fargo" not in chat


def test_chinese_prompt_for_products_uses_their_verb_and_few_shot_examples(scripted: ScriptedServer) -> None:
    games = games_dataset()
    rec, seen = games.items.ids[0], games.items.ids[1]
    e = Explanation(user_id="u", item_id=rec, score=1.0, rank=2, model="ease", method=ExplainMethod.EXACT,
                    evidence=(Evidence(kind=EvidenceKind.HISTORY_ITEM, ref=seen, label=games.catalog.titles[1],
                                       weight=1.0, share=1.0),))
    scripted.push(Reply(body=completion_body("你关注过[H1]，不妨试试[REC]。")))
    result = llm_reason(e, games.catalog, client_for(scripted.base_url), Lang.ZH)
    chat = scripted.requests[0]["messages"]
    assert VERBS[Domain.PRODUCTS][1] == "关注过"
    assert any("关注过" in m["content"] for m in chat) and not any("看过" in m["content"] for m in chat)
    assert [m["role"] for m in chat].count("assistant") == 2  # two worked examples
    assert result.reason.source is TextSource.LLM and "《" in result.reason.text


def test_filled_answer_is_used(scripted: ScriptedServer, ml100k: Dataset) -> None:
    scripted.push(Reply(body=completion_body("We recommend [REC], a [REC.category] film, because you watched [H1].")))
    result = llm_reason(star_wars(), ml100k.catalog, client_for(scripted.base_url), Lang.EN)
    assert result.reason.source is TextSource.LLM
    assert result.reason.text == 'We recommend "Star Wars", a Action film, because you watched "Return of the Jedi".'
    assert result.filled == result.reason.text and "response_format" not in scripted.requests[0]


def test_structured_output_is_asked_and_parsed(scripted: ScriptedServer, ml100k: Dataset) -> None:
    answer = json.dumps({"sentence": "因为你看过[H1]，所以向你推荐[REC]。"}, ensure_ascii=False)
    scripted.push(Reply(body=completion_body(answer)))
    result = llm_reason(star_wars(), ml100k.catalog, client_for(scripted.base_url), Lang.ZH, structured=True)
    assert scripted.requests[0]["response_format"] == SLOT_SCHEMA
    assert result.reason.text == "因为你看过《Return of the Jedi》，所以向你推荐《Star Wars》。"
    assert result.reason.source is TextSource.LLM


@pytest.mark.parametrize(("answer", "refused"), [
    ("We recommend [REC] because you watched [H7].", "unknown slot 'H7'"),
    ("Because you watched [H1] and [H1], try [REC].", "a slot used twice"),
    ('We recommend [REC] because you watched "Star Wars".', "typed '\"'"),
    ("We recommend [REC] because you watched 3 films like [H1].", "typed '3'"),
    ("We recommend it because you have good taste.", "no slot marker"),
    ("[REC] Refer to every fact only with the slot markers given", "an echo of the prompt"),
    ('{"sentence": ', "no slot marker"),
])
def test_answers_that_do_not_fit_the_slots_give_the_template(scripted: ScriptedServer, ml100k: Dataset,
                                                              answer: str, refused: str) -> None:
    scripted.push(Reply(body=completion_body(answer)))
    result = llm_reason(star_wars(), ml100k.catalog, client_for(scripted.base_url), Lang.EN)
    assert result.reason.source is TextSource.TEMPLATE and result.verdict is None
    assert result.reason.rejected is not None and result.reason.rejected.startswith("slots: ")
    assert refused in result.reason.rejected
    assert result.reason.text == realize(star_wars(), ml100k.catalog, Lang.EN).text


def test_a_filled_sentence_still_meets_the_guard(scripted: ScriptedServer, ml100k: Dataset) -> None:
    scripted.push(Reply(body=completion_body("Because you watched [REC], we recommend [H1].")))
    result = llm_reason(star_wars(), ml100k.catalog, client_for(scripted.base_url), Lang.EN)
    assert result.reason.source is TextSource.TEMPLATE and result.reason.rejected.startswith("swapped_role")
    scripted.push(Reply(body=completion_body("You will definitely love [REC], since you watched [H1].")))
    result = llm_reason(star_wars(), ml100k.catalog, client_for(scripted.base_url), Lang.EN)
    assert result.reason.rejected == "unsupported_claim: 'definitely'"


def test_fill_reports_the_markers_used(ml100k: Dataset) -> None:
    slots = evidence_slots(star_wars(), ml100k.catalog, Lang.EN)
    filled = fill("Since you watched [H1], you may like [REC].", slots, "instructions")
    assert filled.used == ("H1", "REC")
    assert filled.text == 'Since you watched "Return of the Jedi", you may like "Star Wars".'


def test_the_guard_gets_what_the_llm_call_left_of_the_budget(scripted: ScriptedServer, ml100k: Dataset) -> None:
    scripted.push(Reply(body=completion_body("We recommend [REC] because you watched [H1]."), delay_s=0.3))
    result = llm_reason(star_wars(), ml100k.catalog, client_for(scripted.base_url), Lang.EN, time_budget_s=0.3)
    assert result.reason.source is TextSource.TEMPLATE and result.reason.rejected.startswith("guard_timeout")
    scripted.push(Reply(body=completion_body("We recommend [REC] because you watched [H1].")))
    result = llm_reason(star_wars(), ml100k.catalog, client_for(scripted.base_url), Lang.EN, time_budget_s=5.0)
    assert result.reason.source is TextSource.LLM


def test_a_value_typed_beside_its_slot_or_a_count_that_counts_nothing_is_refused(ml100k: Dataset) -> None:
    slots = evidence_slots(star_wars(), ml100k.catalog, Lang.EN)
    values = {s.marker: s.value for s in slots}
    attribute = next(m for m in values if "." in m)  # e.g. REC.category
    doubled = fill(f"You watched [H1]; this is a [{attribute}] {values[attribute].lower()} pick.", slots, "x")
    assert doubled.text is None and "typed beside its slot" in doubled.refused
    assert fill(f"You watched [H1]; this is a [{attribute}] pick.", slots, "x").text is not None
    if "N" in values:  # the bundled model's "如果没有[N]，就不会推荐它" ("if not 5, we would not show it")
        assert fill("如果没有[N]，就不会推荐[REC]。", slots, "x").refused.startswith("a count slot")
        assert fill("你看过的[N]部影片里有[H1]，所以推荐[REC]。", slots, "x").text is not None


def test_best_choice_is_a_certainty_claim(ml100k: Dataset) -> None:
    found = list(find_claims("This makes it the best choice for you.", Lang.EN, social_proof_backed=False))
    assert [c.kind for c in found] == [ClaimKind.CERTAINTY]
    assert FaithfulnessGuard(ml100k.catalog).check('Because you watched "Return of the Jedi", "Star Wars" is your '
                                                  "best pick.", star_wars(), Lang.EN).accepted is False
