"""Renderers shared by the pages: they take domain objects, draw them, and return what the user chose.

Everything user-written or content-written that is shown as markdown goes through :func:`inert`, so that
markdown or HTML inside notes, names or imported questions is displayed as text, never interpreted.
"""

from __future__ import annotations

import streamlit as st

from question_bank.schema import Bank, Kind, Level, Question
from question_bank.search import Filters
from ui.text import inert
KIND_LABELS = {Kind.technical: "Technical", Kind.behavioural: "Behavioural", Kind.system_design: "System design",
               Kind.scenario: "Scenario"}
RATING_LABELS = {1: "1 - poor", 2: "2 - mixed", 3: "3 - good", 4: "4 - excellent"}


def question_filters(bank: Bank, page: str) -> Filters:
    """Four multiselects (competency, skill, kind, level); returns the chosen filters."""
    cols = st.columns(4)
    competencies = cols[0].multiselect("Competency", [c.id for c in bank.competencies], key=f"{page}.f_comp",
                                       format_func=lambda cid: bank.competency(cid).name)
    topics = cols[1].multiselect("Skill", [s.id for s in bank.skills], key=f"{page}.f_topic",
                                 format_func=lambda sid: bank.skill(sid).name)
    kinds = cols[2].multiselect("Kind", [k.value for k in Kind], key=f"{page}.f_kind",
                                format_func=lambda k: KIND_LABELS[Kind(k)])
    levels = cols[3].multiselect("Level", [lv.value for lv in Level], key=f"{page}.f_level",
                                 format_func=str.capitalize)
    return Filters(frozenset(competencies), frozenset(topics), frozenset(kinds), frozenset(levels))


def bank_kit_title(bank: Bank, kit_id: str) -> str:
    kit = next(k for k in bank.kits if k.id == kit_id)
    return f"{kit.title} ({len(kit.question_ids)} questions)"


def bank_kit_questions(bank: Bank, kit_id: str) -> frozenset[str]:
    return frozenset(next(k for k in bank.kits if k.id == kit_id).question_ids)


def question_label(question: Question) -> str:
    return f"{question.prompt}  ·  {KIND_LABELS[question.kind]}, {question.level.value}"


def question_tags(bank: Bank, question: Question) -> None:
    skills = ", ".join(bank.skill(t).name for t in question.topics)
    st.caption(f"{inert(bank.competency(question.competency).name)} · {inert(skills)} · "
               f"{KIND_LABELS[question.kind]} · {question.level.value}"
               + (f" · from the seed list ({question.seed_ref})" if question.seed_ref else ""))


def bullet_list(items: list[str]) -> None:
    st.markdown("\n".join(f"- {inert(item)}" for item in items))


def question_detail(bank: Bank, question: Question, page: str) -> None:
    """Everything an interviewer needs about one question; the model answer stays hidden until revealed."""
    st.subheader(inert(question.prompt), anchor=False)
    question_tags(bank, question)
    st.markdown(f"**Why interviewers ask it.** {inert(question.why_asked)}")
    left, right = st.columns(2)
    with left:
        st.markdown("**Rubric: what a strong answer does**")
        st.markdown("\n".join(f"- {inert(p.text)} *({p.weight.value})*" for p in question.rubric))
        st.markdown("**Red flags**")
        bullet_list(question.red_flags)
    with right:
        st.markdown("**Follow-up questions**")
        bullet_list(question.follow_ups)
        st.markdown("**Rating guide**")
        st.markdown("\n".join(f"- **{RATING_LABELS[n]}**: {inert(question.rating_guide.for_rating(n))}"
                              for n in range(1, 5)))
    reveal_key = f"{page}.reveal.{question.id}"
    if st.toggle("Reveal the model answer", key=reveal_key, help="Try answering first, then compare."):
        st.info(inert(question.model_answer), icon=":material/lightbulb:")
    else:
        st.caption("The model answer is hidden so you can try the question first.")
