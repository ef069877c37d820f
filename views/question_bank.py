"""Question bank: filter, search by meaning, open a question; interviewers can import their own questions."""

import streamlit as st

from question_bank.importer import import_file
from question_bank.loader import BankError
from question_bank.search import filter_questions
from ui.access import readable_ids
from ui.auth import current_user
from ui.components import bank_kit_questions, bank_kit_title, question_detail, question_filters, question_label
from ui.services import get_services, reload_services
from ui.text import inert

PAGE = "bank"
svc = get_services()
bank = svc.bank
user = current_user()

readable = readable_ids(bank, user)  # candidates: practice questions only; staff: every question
st.title("Question bank")
st.caption(f"{len(readable)} questions across {len(bank.competencies)} competencies and "
           f"{len(bank.skills)} skills.")

kit_id = st.selectbox("Interview kit", [None, *(k.id for k in bank.kits)], key=f"{PAGE}.kit",
                      format_func=lambda kid: "All questions" if kid is None else bank_kit_title(bank, kid))
filters = question_filters(bank, PAGE)
filters = filters.within(readable & bank_kit_questions(bank, kit_id) if kit_id else readable)
query = st.text_input("Search by meaning", key=f"{PAGE}.query", max_chars=500,
                      placeholder="e.g. how do I hit 30 fps on a Jetson")

if query.strip():
    with st.spinner("Searching..."):
        hits = svc.search_index().search(query, k=15, filters=filters)
    questions = [hit.question for hit in hits]
else:
    questions = filter_questions(bank, filters)

if not questions:
    st.warning("No question matches these filters. Clear a filter or change the search.")
    st.stop()

listing, detail = st.columns([2, 3], gap="large")
with listing:
    st.caption(f"{len(questions)} question(s)" + (" ranked by closeness to your search" if query.strip() else ""))
    with st.container(height=720, border=False):
        chosen = st.radio("Questions", [q.id for q in questions], key=f"{PAGE}.chosen",
                          label_visibility="collapsed",
                          format_func=lambda qid: inert(question_label(bank.question(qid))))
with detail:
    shown = chosen if chosen in readable else questions[0].id
    question_detail(bank, bank.question(shown), PAGE)
    if user and user.role == "candidate" and st.button("Practise this", key=f"{PAGE}.practise.{shown}",
                                                        type="primary", icon=":material/edit_note:"):
        st.switch_page("views/practice.py", query_params={"question": shown})

if user and user.role in ("interviewer", "manager", "admin"):
    with st.expander("Import questions (YAML or CSV)"):
        st.caption("The whole file is checked first; if anything is wrong, nothing is imported and the problems "
                   "are listed (the first 100, then a count). Ids already in the bank are refused. At most 2 MB "
                   "and 1,000 questions a file.")
        upload = st.file_uploader("Questions file", type=["yaml", "yml", "csv"], key=f"{PAGE}.upload",
                                  max_upload_size=2)  # MB, as the importer; the browser refuses bigger files at once
        if upload is not None and st.button("Import", key=f"{PAGE}.import"):
            try:
                target = import_file(upload.getvalue(), upload.name, bank, svc.imported_dir)
            except BankError as exc:
                st.error(f"Nothing was imported: {exc.total:,} problem(s).")
                st.code("\n".join(exc.lines()), language=None)
            else:
                reload_services()
                st.success(f"Imported {inert(target.name)}. The bank now includes it.")
