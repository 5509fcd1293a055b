"""The cheap checks of a claim against its evidence sentence (the model check is in test_trust.py)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from rag.checker import p_yes_from_logprobs
from rag.evidence import Evidence, Scorer
from rag.lexical import lexical_checks
from rag.question_kind import answers_question, asks_for_a_kind, mentions, name_spans, proper_names, speaks_of
from rag.rivals import clauses, rival_claims, rival_questions, unbound_names
from rag.types import Passage
from rag.verify import (
    ANSWERS_INSTRUCTION,
    CHECK_INSTRUCTION,
    Verdict,
    Verifier,
    with_previous,
)

ABSTAINED = "While Russia and China voted against it, Kazakhstan, Kyrgyzstan and several of their neighbours abstained."


def _evidence(sentence: str, before: str = "", date: str = "") -> Evidence:
    text = f"{before} {sentence}".strip()
    start = text.index(sentence)
    passage = Passage("a.txt", "A", text, (1, 1), (0, len(text)), 1.0, 1.0, "a.txt::0", date=date)
    return Evidence(1, sentence, sentence, passage, (start, start + len(sentence)), 1.0)


def _failed(question: str, claim: str, sentence: str) -> set[str]:
    return {check.kind for check in lexical_checks(question, claim, _evidence(sentence)) if not check.passed}


def test_a_claim_in_the_sentences_own_words_passes() -> None:
    assert _failed("How did Kazakhstan vote?", "Kazakhstan abstained.", ABSTAINED) == set()


def test_the_opposite_polarity_fails() -> None:
    assert "polarity" in _failed("How did Kazakhstan vote?", "Kazakhstan voted in favour of the resolution.", ABSTAINED)


def test_a_negation_the_sentence_lacks_fails() -> None:
    assert "polarity" in _failed("Did Putin congratulate him?", "Putin did not congratulate him.", "Putin congratulated Tokayev.")


def test_a_denial_in_other_words_keeps_its_polarity() -> None:
    declined = "Tokayev has kept his distance, declining to recognize the Kremlin's declaration of separatist regions."
    assert "polarity" not in _failed("What did Tokayev refuse to back?", "Tokayev refused to back the Kremlin's declaration.", declined)
    lacking = "The election took place in a political environment lacking competitiveness."
    assert "polarity" not in _failed("Was the race competitive?", "The race was not competitive.", lacking)


def test_denying_what_the_sentence_denies_otherwise_fails() -> None:
    assert "polarity" in _failed("How did Kazakhstan vote?", "Kazakhstan did not abstain.", ABSTAINED)
    assert "polarity" in _failed("How did China vote?", "China did not vote.", "China voted against it.")


def test_a_figure_the_sentence_does_not_state_fails() -> None:
    assert "figures" in _failed("How long is the border?", "The border is 7,500 km long.", "They share a 7,600-kilometer border.")


def test_a_figure_from_the_question_is_not_the_claims_own() -> None:
    assert _failed("Who won the 2022 election?", "Tokayev won the 2022 election.", "Tokayev won the snap election.") == set()


def _verdict(claim: str, sentence: str, date: str, dated: bool = True) -> bool:
    verifier = Verifier(Scorer(lambda texts: [[1.0] for _ in texts]), None, 0.5, dated=dated)
    return verifier.verify("When did Nazarbayev step down?", claim, [1], [_evidence(sentence, date=date)]).supported


def test_the_year_the_draft_read_beside_a_sentence_supports_the_claim_that_states_it() -> None:
    # The model reads "[1] (2019) … stepped down in March"; "March 2019" is what that line states.
    assert _verdict("He stepped down in March 2019.", "Nazarbayev stepped down in March.", "2019-06-09")


def test_another_year_or_an_undated_line_does_not_support_a_year() -> None:
    assert not _verdict("He stepped down in March 2022.", "Nazarbayev stepped down in March.", "2019-06-09")
    assert not _verdict("He stepped down in March 2019.", "Nazarbayev stepped down in March.", "")
    assert not _verdict("He stepped down in March 2019.", "Nazarbayev stepped down in March.", "2019-06-09", dated=False)


def test_a_sentence_with_a_year_of_its_own_is_not_dated_by_its_article() -> None:
    # Background in a 2022 article: "resigned in 2019" dates that resignation, not the 2022 events.
    assert not _verdict("Nazarbayev resigned in 2019 and lost the post in 2022.", "Nazarbayev resigned in 2019 and lost the post.", "2022-11-20")


def test_a_claim_that_leaves_out_what_was_asked_points_at_the_sentence_that_holds_it() -> None:
    verifier = Verifier(Scorer(lambda texts: [[1.0] for _ in texts]), None, 0.5)
    question = "Which Chinese leader met Tokayev in Kazakhstan in September?"
    item = _evidence("Xi met with Tokayev in Kazakhstan in September.")
    verdict = verifier.verify(question, "The Chinese leader met Tokayev in Kazakhstan in September.", [1], [item])
    assert not verdict.supported and verdict.closest is item  # a candidate to quote, once the model confirms it
    assert verifier.verify(question, "The Chinese leader met Tokayev in Kazakhstan in September.", [], [item]).closest is None  # not cited
    assert verifier.verify(question, "The Chinese leader met Tokayev.", [1], [_evidence("The leaders met in autumn.")]).closest is None


def test_a_short_name_is_matched_exactly_and_an_acronym_by_its_initials() -> None:
    assert mentions("Xi met with Tokayev", "Xi") and not mentions("the Xinjiang region", "Xi")
    assert mentions("a resolution of the United Nations General Assembly", "UN") and not mentions("the union", "UN")


def test_a_name_the_sentence_does_not_state_fails() -> None:
    assert "names" in _failed("Who congratulated him?", "Xi Jinping congratulated him.", "Putin congratulated him.")


def test_words_from_outside_the_sentence_fail() -> None:
    assert "words" in _failed("What is the currency?", "The currency is the tenge.", "Kazakhstan is rich in oil and gas.")


def test_names_allow_inflection_and_a_typo() -> None:
    assert mentions("the Kazakh leader", "Kazakhstan") and mentions("Tokayev won", "Tokaev")
    assert mentions("The Chinese leader also visited", "China") and mentions("China voted against it", "Chinese")
    assert not mentions("rallies in Nur-Sultan", "Almaty")


def test_an_acronym_is_mentioned_by_its_name_spelled_out() -> None:
    assert mentions("Monitors from the Organization for Security and Co-operation in Europe said", "OSCE")
    assert mentions("the Central Election Commission reported", "CEC")
    assert not mentions("Central Asian leaders congratulated him", "CEC")
    assert not mentions("the organization for security reasons", "OSCE")  # initials are capitals


def test_proper_names_leave_out_question_and_calendar_words() -> None:
    assert proper_names("Did Putin meet Xi Jinping in June?") == ["Putin", "Xi Jinping"]


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("How old was Tokayev?", "69-year-old Tokayev led the vote.", True),
        ("How old was Tokayev?", "Tokayev won nearly 71 percent of the vote.", False),
        ("tokayevs age when he won?", "Tokayev won nearly 71 percent of the vote.", False),  # "age" asks for one too
        ("tokayevs age when he won?", "He handpicked the 66-year-old career diplomat.", True),
        ("What share of the vote did he win?", "He won 81.31 per cent of the vote.", True),
        ("How many rivals did he face?", "His rivals were little known.", False),
        ("When did Nazarbayev resign?", "Nazarbayev resigned in 2019.", True),
        # A date is a day of a month: "results on Monday" does not say on what date the vote was held.
        ("On what date was the election held?", "Early results on Monday showed him winning.", False),
        ("On what date was the election held?", "Voters took part in the election on November 20.", True),
        ("On what date was the election held?", "Monitors said Monday, Nov. 21, that it lacked competition.", True),
        ("On what date was the resolution adopted?", "The assembly adopted it on 14 November.", True),
        ("On what date was the resolution adopted?", "The assembly adopted it in November, with 94 votes.", False),
        ("Who congratulated Tokayev?", "Putin congratulated Tokayev.", True),
        ("Which Central Asian leaders congratulated him?", "Leaders of the region congratulated him.", False),
        ("Which Central Asian leaders congratulated him?", "The Uzbek and Kyrgyz presidents congratulated him.", True),
        # A count is not answered by a vote share or an age re-attached to it.
        ("How many opponents did Tokayev have?", "69-year-old Tokayev led with over 81 percent of the vote.", False),
        ("How many opponents did Tokayev have?", "Tokayev faced five little-known opponents.", True),
        # An age set off by commas counts no years of office either.
        ("For how many years has he led the party?", "Nazarbayev, 78, still leads the ruling party.", False),
        ("For how many years has he led the party?", "Nazarbayev, 78, has led the party for 20 years.", True),
        # A count in words is a count: reporters write "a few dozen" when they did not count.
        ("How many people did police detain?", "Police detained a few dozen people.", True),
        ("How many police gathered?", "Hundreds of police gathered at the park.", True),
        ("How many of the hundreds of protesters were detained?", "Hundreds of protesters marched.", False),
        ("How much of the vote did he win?", "He won 81 percent of the vote.", True),
        # "Which one…?" picks one of the things a sentence names.
        ("Of the two cities, which one is the capital?", "Police arrested people in Almaty and Nur-Sultan, the capital.", True),
        ("Which of the cities is the capital?", "The capital city was renamed in March.", False),
    ],
)
def test_answers_question_needs_the_kind_of_fact_asked_for(question: str, sentence: str, expected: bool) -> None:
    assert answers_question(question, sentence) is expected


@pytest.mark.parametrize(
    ("question", "asks_for_a_time"),
    [
        ("When did Tokayev say he would announce a date?", True),
        ("Where and when had he met Tokayev before that?", True),
        ("And when was the resolution adopted?", True),
        ("He won the vote, but when?", True),
        # A "when" clause after the question's own names the moment of what is asked, and asks for no time.
        ("What did Tokayev pledge when he won his second term?", False),
        ("What was Nazarbayev's standing on the Security Council when Tokayev won the snap election?", False),
    ],
)
def test_when_asks_for_a_time_only_as_the_question_word(question: str, asks_for_a_time: bool) -> None:
    assert asks_for_a_kind(question) is asks_for_a_time
    assert answers_question(question, "Tokayev pledged to correct past mistakes.") is not asks_for_a_time


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("Is Tokayev generally considered charismatic?", "Tokayev, if generally considered lacking charisma, showed a ruthless side.", True),
        ("Did Kazakhstan vote in favour of the resolution?", ABSTAINED, True),  # "voted" is "vote"
        # Naming the same person is not speaking of what is asked about him.
        ("Is Tokayev generally considered charismatic?", "Tokayev received congratulations from Central Asian leaders.", False),
        ("Did any of Tokayev's opponents score double digits?", "Kazakhstan sank into chaos in January, which left 238 dead.", False),
    ],
)
def test_a_yes_no_question_is_settled_only_by_a_sentence_about_what_it_asks(question: str, sentence: str, expected: bool) -> None:
    assert speaks_of(question, sentence) is expected


def test_p_yes_reads_every_spelling_of_yes_and_no() -> None:
    top = {"Yes": math.log(0.6), " yes": math.log(0.1), "No": math.log(0.2), "Maybe": math.log(0.1)}
    assert p_yes_from_logprobs(top) == pytest.approx(0.7 / 0.9)
    assert p_yes_from_logprobs({"Perhaps": 0.0}) == 0.0


def test_the_model_check_reads_the_sentence_before_for_its_pronouns() -> None:
    item = _evidence(ABSTAINED, before="The UN adopted a resolution on reparations.")
    assert with_previous(item).startswith("The UN adopted a resolution") and with_previous(item).endswith("abstained.")


def test_a_name_shortened_to_its_last_word_is_named_where_the_article_gives_it_in_full() -> None:
    item = _evidence("According to preliminary results, 69-year-old Tokayev was leading the election.")
    claim, question = "69-year-old Kassym-Jomart Tokayev won the vote.", "How old was he when he won?"
    assert "names" not in {c.kind for c in lexical_checks(question, claim, item, article="Kassym-Jomart Tokayev won. " + item.text) if not c.passed}
    assert "names" in {c.kind for c in lexical_checks(question, claim, item, article=item.text) if not c.passed}
    assert "names" in {c.kind for c in lexical_checks(question, "Dariga Nazarbayeva won.", item, article="Dariga Nazarbayeva") if not c.passed}


def test_a_claim_the_model_contradicts_is_not_a_paraphrase_to_quote_but_one_it_doubts_is() -> None:
    question = "How old was Nazarbayev when Tokayev won?"
    item = _evidence("Nazarbayev handpicked the 66-year-old career diplomat as his successor.")

    def closest(p_yes: float) -> Evidence | None:
        verifier = Verifier(Scorer(lambda texts: [[1.0] for _ in texts]), lambda instruction, text: p_yes, 0.75)
        verdict = verifier.verify(question, "Nazarbayev was the 66-year-old who handpicked his successor.", [1], [item])
        assert not verdict.supported
        return verdict.closest

    assert closest(0.2) is None
    assert closest(0.6) is item


def test_a_claim_without_a_marker_is_tried_against_every_sentence() -> None:
    # Sentences that share the question's words outrank the one that states the claim's fact.
    question = "How many opponents did Tokayev have in the 2022 presidential election?"
    sentences = [
        "Tokayev said he will announce the next parliamentary election in 2022.",
        "Tokayev was leading the 2022 presidential election with 81 percent.",
        "Tokayev won the 2022 presidential election by a landslide.",
        "Monitors said the 2022 presidential election lacked competitiveness.",
        "None of his five little-known opponents scored double digits.",
    ]
    evidence = [replace(_evidence(s), number=n) for n, s in enumerate(sentences, start=1)]
    # Embeddings that see the question's topic (Tokayev), as MiniLM does, and not the claim's fact.
    verifier = Verifier(Scorer(lambda texts: [[1.0 if "Tokayev" in t else 0.0] for t in texts]), None, 0.5)
    verdict = verifier.verify(question, "Tokayev had five little-known opponents in the 2022 presidential election.", [], evidence)
    assert verdict.supported and verdict.evidence is evidence[4]


CAPITAL = "During Sunday's vote, police arrested 500 people at rallies in Almaty and Nur-Sultan, the capital city that was renamed after Nazarbayev."


def _asked_about(readings: dict[str, float]) -> tuple[Verifier, list[str]]:
    """A verifier whose model check reads each claim at the p(yes) given for its first words; the claims asked, in order."""
    asked: list[str] = []

    def yes_no(instruction: str, text: str) -> float:
        claim = text.split("\nClaim: ")[1]
        asked.append(claim)
        return next((p for start, p in readings.items() if claim.startswith(start)), 0.1)

    return Verifier(Scorer(lambda texts: [[1.0] for _ in texts]), yes_no, 0.75), asked


def test_a_name_the_model_reads_no_better_than_its_rival_in_the_sentence_is_not_stated() -> None:
    verifier, asked = _asked_about({"Almaty": 0.78, "Nur-Sultan": 0.8})
    verdict = verifier.verify("Which of the two cities is the capital?", "Almaty is the capital city.", [1], [_evidence(CAPITAL)])
    assert not verdict.supported and verdict.closest is not None  # its sentence, quoted, keeps each name in its place
    assert asked[:2] == ["Almaty is the capital city.", "Nur-Sultan is the capital city."]  # the nearest rival first
    assert [c.kind for c in verdict.checks if not c.passed] == ["rival"]


def test_a_name_the_model_prefers_to_every_rival_is_stated() -> None:
    verifier, asked = _asked_about({"Nur-Sultan": 0.9, "Almaty": 0.4, "Nazarbayev": 0.3})
    verdict = verifier.verify("Which of the two cities is the capital?", "Nur-Sultan is the capital city.", [1], [_evidence(CAPITAL)])
    assert verdict.supported
    assert asked == ["Nur-Sultan is the capital city.", "Almaty is the capital city.", "Nazarbayev is the capital city."]


def test_each_answering_name_is_swapped_for_the_sentences_nearest_other_names_one_at_a_time() -> None:
    assert rival_claims("Who met whom?", "Putin met Xi in Astana.", "Putin met Xi in Astana, not Tokayev in Almaty.", 2) == [
        "Tokayev met Xi in Astana.", "Almaty met Xi in Astana.", "Putin met Tokayev in Astana.", "Putin met Almaty in Astana.",
    ]


def test_a_claim_that_answers_with_a_figure_is_not_asked_about_its_names() -> None:
    verifier, asked = _asked_about({"Police": 0.9})
    verdict = verifier.verify("How many people did police arrest?", "Police arrested 500 people in Almaty.", [1], [_evidence(CAPITAL)])
    assert verdict.supported and len(asked) == 1


def test_names_are_swapped_as_the_sentence_writes_them() -> None:
    assert name_spans("During Sunday's vote, rallies in Almaty and Nur-Sultan drew Tokayev’s critics.") == ["Almaty", "Nur-Sultan", "Tokayev"]
    assert name_spans("However, Russian President Vladimir Putin congratulated him.") == ["Russian President Vladimir Putin"]


def test_a_name_is_bound_to_what_its_own_clause_says_not_to_the_other_clause() -> None:
    question = "Which two countries voted against the UN resolution?"
    assert unbound_names(question, "Kazakhstan and Kyrgyzstan voted against the resolution.", ABSTAINED) == ["Kazakhstan", "Kyrgyzstan"]
    assert unbound_names(question, "Russia and China voted against the resolution.", ABSTAINED) == []
    assert unbound_names("Which countries abstained?", "Kazakhstan and Kyrgyzstan abstained.", ABSTAINED) == []


def test_lists_and_appositions_are_not_clause_boundaries() -> None:
    assert clauses(CAPITAL) == [CAPITAL]
    assert clauses(ABSTAINED) == ["While Russia and China voted against it,", " Kazakhstan, Kyrgyzstan and several of their neighbours abstained."]
    assert unbound_names("Which city is the capital?", "Nur-Sultan is the capital city.", CAPITAL) == []


def test_a_claim_that_gives_a_name_what_another_clause_says_is_quoted_not_stated_and_costs_no_model_call() -> None:
    verifier, asked = _asked_about({"Kazakhstan": 0.9})
    claim = "Kazakhstan and Kyrgyzstan voted against the UN resolution."
    verdict = verifier.verify("Which two countries voted against the UN resolution?", claim, [1], [_evidence(ABSTAINED)])
    assert not verdict.supported and verdict.closest is not None and asked == []
    assert [c.kind for c in verdict.checks if not c.passed] == ["clause"]


def test_a_claim_that_copies_its_sentence_stands_only_if_the_sentence_answers_the_question() -> None:
    headline = _evidence("Kazakh leader meets Putin in first post-election trip abroad")

    def verdict(question: str, claim: str, p_answers: float) -> tuple[Verdict, list[str]]:
        asked: list[str] = []

        def yes_no(instruction: str, text: str) -> float:
            asked.append(instruction)
            return 0.95 if instruction == CHECK_INSTRUCTION else p_answers

        verifier = Verifier(Scorer(lambda texts: [[1.0] for _ in texts]), yes_no, 0.75)
        return verifier.verify(question, claim, [1], [headline]), asked

    copied = "Kazakh leader meets Putin in first post-election trip abroad."
    # Copied, the claim is "supported" by its sentence whatever was asked: the sentence must answer.
    doubted, asked = verdict("Who is considered Kazakhstan's founding father?", copied, 0.2)
    assert not doubted.supported and asked == [CHECK_INSTRUCTION, ANSWERS_INSTRUCTION]
    assert doubted.closest is headline  # asked again of the sentence alone, the model may still give the claim's answer
    assert verdict("Who did the Kazakh leader meet?", copied, 0.9)[0].supported
    # A yes/no question is settled by the sentence either way, so a sentence that does not answer it is not quoted.
    assert verdict("Did the Kazakh leader meet Putin first?", copied, 0.2)[0].closest is None
    # A claim in its own words said what it read there; the support check is all it needs.
    own_words, asked = verdict("Who is considered Kazakhstan's founding father?", "Putin met the Kazakh leader.", 0.2)
    assert own_words.supported and asked == [CHECK_INSTRUCTION]


SUCCESSOR = "Interim president Tokayev, the successor of veteran ruler Nazarbayev, won 71 percent of the vote."


def test_a_question_is_asked_again_about_the_sentences_name_nearest_its_own() -> None:
    assert rival_questions("What share did Nazarbayev win?", SUCCESSOR, 1) == ["What share did Tokayev win?"]
    assert rival_questions("How many were arrested in Nur-Sultan?", "500 were arrested in Almaty and Nur-Sultan.", 1) == [
        "How many were arrested in Almaty?"
    ]
    # No name of the question in the sentence, or no other name there: nothing to tell apart.
    assert rival_questions("What share did Putin win?", SUCCESSOR, 1) == []
    assert rival_questions("What share did Tokayev win?", "Tokayev won 81 percent.", 1) == []


def _reading_questions(readings: dict[str, float]) -> Verifier:
    """A verifier whose model reads an answer to each question at the p(yes) given for the name in it."""

    def yes_no(instruction: str, text: str) -> float:
        question = text.split("\nQuestion: ")[1]
        return next((p for name, p in readings.items() if name in question), 0.1)

    return Verifier(Scorer(lambda texts: [[1.0] for _ in texts]), yes_no, 0.75)


def test_a_sentence_that_answers_the_question_about_another_of_its_names_far_better_does_not_answer_it() -> None:
    item = _evidence(SUCCESSOR)
    assert not _reading_questions({"Nazarbayev": 0.64, "Tokayev": 0.96}).answers("What share did Nazarbayev win?", item).passed
    # Read about as readily of either name, the sentence answers the question asked.
    assert _reading_questions({"Nazarbayev": 0.9, "Tokayev": 0.94}).answers("What share did Nazarbayev win?", item).passed
    assert _reading_questions({"Tokayev": 0.95, "Nazarbayev": 0.5}).answers("What share did Tokayev win?", item).passed


def test_a_count_is_given_only_where_the_model_reads_it_as_answering_the_question_asked() -> None:
    arrested = _evidence("During Sunday's vote, police arrested 500 people at rallies in Almaty and Nur-Sultan.")
    verifier = _reading_questions({"killed": 0.3, "arrested": 0.9})
    assert verifier.measures("How many people were arrested at the rallies?", arrested).passed  # type: ignore[union-attr]
    killed = verifier.measures("How many people were killed at the rallies?", arrested)
    assert killed is not None and not killed.passed and killed.kind == "measure"
    # Only a count leaves what it counts to the reading: an age or a share says what it measures in its own words.
    assert verifier.measures("Who arrested people at the rallies?", arrested) is None
    assert verifier.measures("How old was Tokayev when he won?", _evidence("69-year-old Tokayev won.")) is None


def test_a_reading_asked_by_two_checks_costs_one_model_call() -> None:
    asked: list[str] = []

    def yes_no(instruction: str, text: str) -> float:
        asked.append(text)
        return 0.9

    verifier = Verifier(Scorer(lambda texts: [[1.0] for _ in texts]), yes_no, 0.75)
    item = _evidence("Tokayev faced five opponents.")
    assert verifier.answers("How many opponents did Tokayev face?", item).passed
    assert verifier.measures("How many opponents did Tokayev face?", item).passed  # type: ignore[union-attr]
    assert len(asked) == 1


def test_the_clause_placing_the_event_in_the_evidences_own_year_is_not_asked_of_the_model() -> None:
    # The 2019 article's year settles "when Tokayev won the 2019 snap election"; the sentence only says "Nazarbayev, 78".
    asked: list[str] = []
    verifier = Verifier(Scorer(lambda texts: [[1.0] for _ in texts]), lambda instruction, text: asked.append(text) or 0.9, 0.75, dated=True)
    item = _evidence("In a power-sharing arrangement, Nazarbayev, 78, remains chairman of the Security Council.", date="2019-06-10")
    question = "How old was Nazarbayev when Tokayev won the 2019 snap election?"
    claim = "Nazarbayev was 78 years old when Tokayev won the 2019 snap election."
    verifier.verify(question, claim, [1], [item], ("when Tokayev won the 2019 snap election", "2019"))
    assert asked[0].endswith("Claim: Nazarbayev was 78 years old.")
    # Against a sentence of another year, or of none, the model reads the whole claim.
    asked.clear()
    verifier.verify(question, claim, [1], [replace(item, passage=replace(item.passage, date=""))], ("when Tokayev won the 2019 snap election", "2019"))
    assert asked[0].endswith(f"Claim: {claim}")


def test_the_model_checks_a_claim_with_the_person_it_describes_named() -> None:
    asked: list[str] = []

    def yes_no(instruction: str, text: str) -> float:
        asked.append(text)
        return 0.9

    article = "Tokayev beat five rivals, said incumbent Kassym-Jomart Tokayev's aide. Tokayev won again."
    sentence = "Kazakh President Tokayev won 81 per cent of the vote."
    verifier = Verifier(Scorer(lambda texts: [[1.0] for _ in texts]), yes_no, 0.75, collection=[article])
    verdict = verifier.verify("What share did the incumbent win?", "The incumbent won 81 per cent of the vote.", [1], [_evidence(sentence)])
    assert verdict.supported
    assert asked == [f"Sentence: {sentence}\nClaim: The incumbent (Kassym-Jomart Tokayev) won 81 per cent of the vote."]


def test_a_claim_that_someone_described_something_needs_a_sentence_reporting_words() -> None:
    strained = "Historically close ties between Russia and Kazakhstan have been strained since the war began."
    assert "attribution" in _failed("How did Russia describe the ties?", "Russia described the ties as strained.", strained)
    quoted = "The ties are grounded in “friendship, neighborliness and mutual respect”, Putin said in a statement."
    assert "attribution" not in _failed("How did Putin describe the ties?", "Putin said the ties are grounded in friendship.", quoted)
    hailing = "Xi sent a congratulatory message, hailing the anniversary as a new starting point."
    assert "attribution" not in _failed("How did Xi describe the anniversary?", "Xi described the anniversary as a new starting point.", hailing)


def test_a_claim_that_reports_no_ones_words_is_not_held_to_a_report() -> None:
    assert "attribution" not in _failed("What is he?", "He is called the founding father.", "He is considered the founding father.")
    assert "attribution" not in _failed("What does it include?", "The text says it includes Kyrgyzstan.", "It includes Kyrgyzstan.")
